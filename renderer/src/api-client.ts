import {
  apiContract,
  ApiErrorBodySchema,
  describeIssues,
  ProgressEventSchema,
  type ApiErrorCode,
  type ApiMethod,
  type ApiResponse,
  type CotlabDesktopBridge,
  type ProgressEvent,
} from '../../src/contract/index.js';
import type { WorkbenchApi } from './workbench-api.js';

export type { WorkbenchApi } from './workbench-api.js';

/** A failed workbench call, with the lines that say where the problem is. */
export class ApiCallError extends Error {
  constructor(
    message: string,
    readonly code: ApiErrorCode | 'network',
    readonly details: string[],
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

declare global {
  interface Window {
    cotlab?: CotlabDesktopBridge;
  }
}

/**
 * Talks to the Electron preload when it is there, else to the serve mode over HTTP; both speak the same contract.
 * Over HTTP the access token travels in the server's HttpOnly session cookie: the page never sees it.
 */
export function createApiClient(): WorkbenchApi {
  return window.cotlab ? desktopClient(window.cotlab) : httpClient();
}

function desktopClient(bridge: CotlabDesktopBridge): WorkbenchApi {
  return {
    // An IPC call cannot be withdrawn: a superseded answer is simply not used.
    async call(method, request) {
      const outcome = await bridge.call(method, request);
      if (!outcome.ok) throw new ApiCallError(outcome.error.message, outcome.error.code, outcome.error.details);
      return parseResponse(method, outcome.data);
    },
    onProgress(listener) {
      return bridge.onProgress((raw) => {
        const parsed = ProgressEventSchema.safeParse(raw);
        if (parsed.success) listener(parsed.data);
      });
    },
    desktop: bridge,
  };
}

function httpClient(): WorkbenchApi {
  const listeners = new Set<(event: ProgressEvent) => void>();
  let socket: WebSocket | null = null;

  function connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/api/progress`);
    socket.onmessage = (message) => {
      const parsed = ProgressEventSchema.safeParse(JSON.parse(String(message.data)));
      if (parsed.success) for (const listener of listeners) listener(parsed.data);
    };
    // The server may restart or a laptop may sleep: reconnect quietly while anyone listens.
    socket.onclose = () => {
      socket = null;
      if (listeners.size > 0) setTimeout(connect, 1000);
    };
  }

  return {
    async call(method, request, options) {
      let response: Response;
      try {
        response = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
          signal: options?.signal ?? null,
        });
      } catch (failure) {
        if (options?.signal?.aborted) throw failure;
        throw new ApiCallError('The workbench server cannot be reached. Is `cotlab-wb serve` still running?', 'network', []);
      }
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) {
        const error = ApiErrorBodySchema.safeParse(body);
        if (error.success) throw new ApiCallError(error.data.error.message, error.data.error.code, error.data.error.details);
        throw new ApiCallError(`The server answered ${response.status} ${response.statusText}.`, 'network', []);
      }
      return parseResponse(method, body);
    },
    onProgress(listener) {
      listeners.add(listener);
      if (socket === null) connect();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) socket?.close();
      };
    },
    desktop: null,
  };
}

function parseResponse<M extends ApiMethod>(method: M, body: unknown): ApiResponse<M> {
  const parsed = apiContract[method].response.safeParse(body);
  if (!parsed.success) {
    throw new ApiCallError(`The answer to ${method} did not match the contract.`, 'engine_error', describeIssues(parsed.error));
  }
  return parsed.data as ApiResponse<M>;
}
