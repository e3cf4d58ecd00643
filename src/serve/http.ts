import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorBody } from '../contract/index.js';
import { createDispatcher } from '../host/dispatch.js';
import type { EnginePort } from '../host/engine-port.js';
import { TOKEN_COOKIE, isLoopbackRequest, presentedToken, tokenMatches } from './auth.js';
import { SECURITY_HEADERS } from '../host/security-headers.js';
import { sendRendererFile } from './static-files.js';

/** The serve mode answers on the loopback interface only; anything else is refused before a socket is opened. */
export type LoopbackHost = '127.0.0.1';

export interface ServerOptions {
  /** 0 picks a free port. */
  port: number;
  host: LoopbackHost;
  /** The per-start secret every request must carry. */
  token: string;
  /** The built renderer (index.html + assets). */
  rendererDir: string;
  engine: EnginePort;
}

export interface RunningServer {
  port: number;
  /** The address to open in a browser, token included. */
  url: string;
  close(): Promise<void>;
}

export class NonLoopbackHostError extends Error {
  constructor(readonly host: string) {
    super(`The workbench server only listens on 127.0.0.1, not on "${host}"; use an SSH tunnel to reach it remotely.`);
    this.name = 'NonLoopbackHostError';
  }
}

/** Largest accepted JSON body: room for one dropped dataset file (JSON-escaped), and no accidental floods. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (options.host !== '127.0.0.1') throw new NonLoopbackHostError(options.host);
  if (options.token.length < 16) throw new Error('The access token must be at least 16 characters long.');
  const dispatch = createDispatcher(options.engine);
  let port = options.port;

  const server = createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'engine_error', errorMessage(error));
      else response.destroy();
    });
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    if (!isLoopbackRequest(request, port)) {
      sendError(response, 403, 'unauthorized', 'This server only answers pages it served itself on 127.0.0.1.');
      return;
    }
    const token = presentedToken(request, url);
    if (!tokenMatches(token, options.token)) {
      sendError(response, 401, 'unauthorized', 'Missing or wrong access token: open the URL printed by `cotlab-wb serve`.');
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      await handleApiCall(request, response, url.pathname.slice('/api/'.length));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendError(response, 405, 'bad_request', `${request.method ?? 'This'} requests are not supported here.`);
      return;
    }
    for (const [key, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(key, value);
    if (url.searchParams.has('token')) {
      response.setHeader('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (!(await sendRendererFile(options.rendererDir, url.pathname, response))) {
      sendError(response, 404, 'not_found', `Nothing at ${url.pathname}.`);
    }
  }

  async function handleApiCall(request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
    if (request.method !== 'POST') {
      sendError(response, 405, 'bad_request', 'Workbench calls are JSON POST requests.');
      return;
    }
    const body = await readBody(request);
    if (body === 'too_large') {
      sendError(response, 413, 'bad_request', `The request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`);
      return;
    }
    let payload: unknown;
    try {
      payload = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      sendError(response, 400, 'bad_request', 'The request body is not valid JSON.');
      return;
    }
    const outcome = await dispatch(method, payload);
    if (outcome.ok) {
      sendJson(response, 200, outcome.data);
      return;
    }
    const status = { bad_request: 400, unknown_method: 404, not_found: 404, engine_error: 500, unauthorized: 401 }[
      outcome.error.code
    ];
    sendJson(response, status, { error: outcome.error } satisfies ApiErrorBody);
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  server.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    const allowed =
      url.pathname === '/api/progress' &&
      isLoopbackRequest(request, port) &&
      tokenMatches(presentedToken(request, url), options.token);
    if (!allowed) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client: WebSocket) => sockets.emit('connection', client, request));
  });
  const unsubscribe = options.engine.subscribeProgress((event) => {
    const message = JSON.stringify(event);
    for (const client of sockets.clients) if (client.readyState === client.OPEN) client.send(message);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}/?token=${encodeURIComponent(options.token)}`,
    async close() {
      unsubscribe();
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(request: IncomingMessage): Promise<string | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too_large' : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, code: ApiErrorBody['error']['code'], message: string): void {
  sendJson(response, status, { error: { code, message, details: [] } } satisfies ApiErrorBody);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
