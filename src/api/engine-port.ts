import type { ApiErrorCode, ApiMethod, ApiRequest, ApiResponse, ProgressEvent, ServiceMethod } from './contract.js';

/** One handler per contract call: an already-validated request in, a contract response out. */
export type EngineCalls = {
  [M in ApiMethod]: (request: ApiRequest<M>) => Promise<ApiResponse<M>>;
};

/** The calls that read and write data and the history (everything but running experiments). */
export type ServiceCalls = Pick<EngineCalls, ServiceMethod>;

/**
 * What the serve mode and the Electron main process talk to: every contract call plus a progress feed.
 * engine-supervisor.ts implements it with engine processes, so no model or database work happens in the caller.
 */
export interface EnginePort extends EngineCalls {
  /** Registers a listener for experiment progress; returns the function that removes it. */
  subscribeProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Stops running experiments and the engine processes. */
  close(): Promise<void>;
}

/** An engine-side failure the UI should show as-is (bad file, missing experiment, ...). */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    readonly code: Exclude<ApiErrorCode, 'unauthorized'>,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}
