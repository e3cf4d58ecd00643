import {
  apiContract,
  describeIssues,
  isApiMethod,
  type ApiErrorBody,
  type ApiMethod,
  type ApiOutcome,
  type ApiRequest,
  type ApiResponse,
} from '../contract/index.js';
import type { EngineCalls } from '../services/engine-calls.js';
import { errorBody } from '../services/request-errors.js';

/** `signal` aborts the call when its caller is gone (a closed HTTP request); handlers that can stop early use it. */
export type Dispatch = (method: string, payload: unknown, signal?: AbortSignal) => Promise<ApiOutcome<ApiMethod>>;

/** The handlers a dispatcher serves: all calls (the UI-facing side) or a subset (the engine service process). */
export type Handlers = Partial<EngineCalls>;

/**
 * Validates a call against the contract, runs its handler and validates the answer. Every failure becomes an
 * error outcome (never a throw), so one bad payload cannot take the server or a process down.
 */
export function createDispatcher(handlers: Handlers): Dispatch {
  return async (method, payload, signal) => {
    if (!isApiMethod(method) || handlers[method] === undefined) {
      return failure('unknown_method', `"${method}" is not a workbench call.`, []);
    }
    const parsed = apiContract[method].request.safeParse(payload ?? {});
    if (!parsed.success) {
      const details = describeIssues(parsed.error);
      return failure('bad_request', `The ${method} request is invalid: ${details[0] ?? 'unknown problem'}`, details);
    }
    try {
      const data = await callHandler(handlers, method, parsed.data as ApiRequest<typeof method>, signal);
      const checked = apiContract[method].response.safeParse(data);
      if (!checked.success) {
        const details = describeIssues(checked.error);
        return failure('engine_error', `The engine answered ${method} with data the UI cannot use.`, details);
      }
      return { ok: true, data: checked.data as ApiResponse<ApiMethod> };
    } catch (error) {
      return { ok: false, error: errorBody(error) };
    }
  };
}

function callHandler<M extends ApiMethod>(handlers: Handlers, method: M, request: ApiRequest<M>, signal: AbortSignal | undefined): Promise<ApiResponse<M>> {
  const handler = handlers[method] as (request: ApiRequest<M>, signal?: AbortSignal) => Promise<ApiResponse<M>>;
  return handler.call(handlers, request, signal);
}

function failure(code: ApiErrorBody['error']['code'], message: string, details: string[]): ApiOutcome<ApiMethod> {
  return { ok: false, error: { code, message, details } };
}
