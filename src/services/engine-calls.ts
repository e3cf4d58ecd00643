import type { ApiErrorCode, ApiMethod, ApiRequest, ApiResponse, ServiceMethod } from '../contract/index.js';

/**
 * One handler per contract call: an already-validated request in, a contract response out. `signal` aborts a call
 * whose caller has gone (a closed HTTP request): a dataset preview nobody waits for stops parsing.
 */
export type EngineCalls = {
  [M in ApiMethod]: (request: ApiRequest<M>, signal?: AbortSignal) => Promise<ApiResponse<M>>;
};

/** The calls that read and write data and the history (everything but running experiments). */
export type ServiceCalls = Pick<EngineCalls, ServiceMethod>;

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
