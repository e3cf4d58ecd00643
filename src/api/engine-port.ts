import type { ApiMethod, ApiRequest, ApiResponse, ProgressEvent } from './contract.js';

/**
 * What the UI-facing handlers need from the engine: one function per contract call (already-validated request in,
 * contract response out) plus a progress feed. The serve mode and the Electron worker both drive an EnginePort;
 * engine-adapter.ts implements it with the real engine.
 */
export type EngineCalls = {
  [M in ApiMethod]: (request: ApiRequest<M>) => Promise<ApiResponse<M>>;
};

export interface EnginePort extends EngineCalls {
  /** Registers a listener for experiment progress; returns the function that removes it. */
  subscribeProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Releases model sessions, the history database and running experiments. */
  close(): Promise<void>;
}

/** An engine-side failure the UI should show as-is (bad file, missing experiment, ...). */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    readonly code: 'not_found' | 'bad_request' | 'engine_error',
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}
