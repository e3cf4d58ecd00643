import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorBody } from '../contract/index.js';
import { createDispatcher } from '../host/dispatch.js';
import type { EnginePort } from '../host/engine-port.js';
import { rendererFilePath } from '../host/renderer-files.js';
import { SECURITY_HEADERS } from '../host/security-headers.js';
import { isLoopbackRequest, presentedToken, tokenCookie, tokenMatches } from './auth.js';
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
  /** Largest request body accepted (default DEFAULT_MAX_BODY_BYTES); larger ones get 413 before they are read. */
  maxBodyBytes?: number;
}

export interface RunningServer {
  port: number;
  /** The address to open in a browser, token included (exchanged for a cookie on the first load). */
  url: string;
  close(): Promise<void>;
}

export class NonLoopbackHostError extends Error {
  constructor(readonly host: string) {
    super(`The workbench server only listens on 127.0.0.1, not on "${host}"; use an SSH tunnel to reach it remotely.`);
    this.name = 'NonLoopbackHostError';
  }
}

/** Room for one dropped dataset file (24 MB of text, JSON-escaped), and no accidental floods. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Progress flows to the browser; the browser has nothing to send but control frames. */
const MAX_WEBSOCKET_MESSAGE_BYTES = 1024;

const STATUS_OF: Record<ApiErrorBody['error']['code'], number> = {
  bad_request: 400,
  unknown_method: 404,
  not_found: 404,
  engine_error: 500,
  unauthorized: 401,
  forbidden: 403,
};

/**
 * The serve mode's HTTP server: the renderer's files and the contract calls (POST /api/<method>), plus the progress
 * WebSocket. Nothing a client sends can stop it: every socket and stream has an error handler, bad URLs and bodies get
 * 4xx answers, and a misbehaving WebSocket client is disconnected alone.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  if (options.host !== '127.0.0.1') throw new NonLoopbackHostError(options.host);
  if (options.token.length < 16) throw new Error('The access token must be at least 16 characters long.');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const dispatch = createDispatcher(options.engine);
  let port = options.port;

  const server = createServer((request, response) => {
    // A client that resets mid-request ends only its own request.
    request.on('error', () => response.destroy());
    response.on('error', () => request.destroy());
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendError(response, 500, 'engine_error', error instanceof Error ? error.message : String(error));
      else response.destroy();
    });
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!isLoopbackRequest(request, port)) {
      sendError(response, 403, 'unauthorized', 'This server only answers pages it served itself on 127.0.0.1.');
      return;
    }
    const url = parseTarget(request.url);
    if (url === null) {
      sendError(response, 400, 'bad_request', 'The request URL is malformed.');
      return;
    }
    const isApi = url.pathname.startsWith('/api/');
    // The printed URL carries the token once: it becomes the session cookie, and the browser moves to the same URL
    // without it, so the token stays out of the address bar, the history and any log of URLs.
    if (!isApi && request.method === 'GET' && url.searchParams.has('token')) {
      if (!tokenMatches(url.searchParams.get('token'), options.token)) {
        sendError(response, 401, 'unauthorized', 'Wrong access token: open the URL printed by `cotlab-wb serve`.');
        return;
      }
      url.searchParams.delete('token');
      // One leading slash only: `//host` in a Location header would leave this server.
      const clean = `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
      response.writeHead(303, { ...SECURITY_HEADERS, location: clean, 'set-cookie': tokenCookie(port, options.token), 'cache-control': 'no-store' });
      response.end();
      return;
    }
    if (!tokenMatches(presentedToken(request, port), options.token)) {
      sendError(response, 401, 'unauthorized', 'Missing or wrong access token: open the URL printed by `cotlab-wb serve`.');
      return;
    }
    if (isApi) {
      await handleApiCall(request, response, url.pathname.slice('/api/'.length));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendError(response, 405, 'bad_request', `${request.method ?? 'This'} requests are not supported here.`);
      return;
    }
    const target = rendererFilePath(options.rendererDir, url.pathname);
    if (target.kind === 'malformed') {
      sendError(response, 400, 'bad_request', 'The request URL is malformed (a bad %-escape).');
      return;
    }
    for (const [key, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(key, value);
    if (target.kind === 'outside' || !(await sendRendererFile(target.file, response))) {
      sendError(response, 404, 'not_found', `Nothing at ${url.pathname}.`);
    }
  }

  async function handleApiCall(request: IncomingMessage, response: ServerResponse, method: string): Promise<void> {
    if (request.method !== 'POST') {
      sendError(response, 405, 'bad_request', 'Workbench calls are JSON POST requests.');
      return;
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    const body = declared > maxBodyBytes ? 'too_large' : await readBody(request, maxBodyBytes);
    if (body === 'too_large') {
      refuseBody(request, response, maxBodyBytes);
      return;
    }
    let payload: unknown;
    try {
      payload = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      sendError(response, 400, 'bad_request', 'The request body is not valid JSON.');
      return;
    }
    // A caller that goes away (a closed tab, a superseded preview) cancels its call: a dataset parse stops.
    const caller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) caller.abort();
    });
    const outcome = await dispatch(method, payload, caller.signal);
    if (response.destroyed) return;
    if (outcome.ok) {
      sendJson(response, 200, outcome.data);
      return;
    }
    sendJson(response, STATUS_OF[outcome.error.code], { error: outcome.error } satisfies ApiErrorBody);
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES });
  sockets.on('error', () => undefined);
  sockets.on('connection', (client: WebSocket) => {
    // An oversized or malformed frame (e.g. unmasked) is this client's problem: ws reports it here, and the client
    // is disconnected, while the server and every run go on.
    client.on('error', () => client.terminate());
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = parseTarget(request.url);
    const allowed =
      url !== null &&
      url.pathname === '/api/progress' &&
      isLoopbackRequest(request, port) &&
      tokenMatches(presentedToken(request, port), options.token);
    if (!allowed) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client: WebSocket) => sockets.emit('connection', client, request));
  });
  // A connection that breaks while Node still parses its request: answer 400 if possible, never throw.
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
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

/** The request's URL, or null when it cannot be parsed (then the answer is 400). */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

/** The body as text, or 'too_large' as soon as it passes `limit` bytes (the rest is never read). */
function readBody(request: IncomingMessage, limit: number): Promise<string | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.pause();
      resolve('too_large');
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** 413, then the connection is closed: the rest of the body is never read. */
function refuseBody(request: IncomingMessage, response: ServerResponse, limit: number): void {
  response.setHeader('connection', 'close');
  response.on('finish', () => request.destroy());
  const size = limit >= 1024 * 1024 ? `${Math.round(limit / 1024 / 1024)} MB` : `${limit} bytes`;
  sendError(response, 413, 'bad_request', `The request is larger than ${size}, the most this server reads.`);
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
