import {
  apiContract,
  describeIssues,
  isApiMethod,
  type ApiMethod,
  type ApiOutcome,
  type ApiRequest,
  type ApiResponse,
} from './contract.js';
import { EngineRequestError, type EngineCalls } from './engine-port.js';

export type Dispatch = (method: string, payload: unknown) => Promise<ApiOutcome<ApiMethod>>;

/**
 * Validates a call against the contract, runs it on the engine and validates the answer. Every failure becomes an
 * error outcome (never a throw), so one bad payload cannot take the server or the main process down.
 */
export function createDispatcher(engine: EngineCalls): Dispatch {
  return async (method, payload) => {
    if (!isApiMethod(method)) {
      return fail('unknown_method', `"${method}" is not a workbench call.`, []);
    }
    const parsed = apiContract[method].request.safeParse(payload ?? {});
    if (!parsed.success) {
      const details = describeIssues(parsed.error);
      return fail('bad_request', `The ${method} request is invalid: ${details[0] ?? 'unknown problem'}`, details);
    }
    try {
      const data = await callEngine(engine, method, parsed.data as ApiRequest<typeof method>);
      const checked = apiContract[method].response.safeParse(data);
      if (!checked.success) {
        const details = describeIssues(checked.error);
        return fail('engine_error', `The engine answered ${method} with data the UI cannot use.`, details);
      }
      return { ok: true, data: checked.data as ApiResponse<ApiMethod> };
    } catch (error) {
      if (error instanceof EngineRequestError) return fail(error.code, error.message, error.details);
      const message = error instanceof Error ? error.message : String(error);
      return fail('engine_error', message, []);
    }
  };
}

function callEngine<M extends ApiMethod>(engine: EngineCalls, method: M, request: ApiRequest<M>): Promise<ApiResponse<M>> {
  const handler = engine[method] as (request: ApiRequest<M>) => Promise<ApiResponse<M>>;
  return handler.call(engine, request);
}

function fail(
  code: 'bad_request' | 'unknown_method' | 'not_found' | 'engine_error',
  message: string,
  details: string[],
): ApiOutcome<ApiMethod> {
  return { ok: false, error: { code, message, details } };
}
