import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { EnginePort } from '../../src/host/engine-port.js';
import { createEngineSupervisor } from '../../src/host/engine-supervisor.js';
import { forkEngine } from '../../src/host/fork-engine.js';
import { NonLoopbackHostError, startServer, type LoopbackHost, type RunningServer } from '../../src/serve/http.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';

const TOKEN = 'test-token-0123456789abcdef';
/** A small body limit, so a test can stream past it. */
const BODY_LIMIT = 4096;

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Writes raw bytes to the server and collects everything it answers until it closes the connection. */
function raw(port: number, chunks: readonly (string | Buffer)[]): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.on('connect', () => {
      for (const chunk of chunks) socket.write(chunk);
    });
  });
}

function send(port: number, urlPath: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: urlPath, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('serve mode HTTP server', () => {
  let scratch: string;
  let engine: EnginePort;
  let server: RunningServer;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-serve-'));
    writeFileSync(path.join(scratch, 'index.html'), '<!doctype html><title>workbench</title>');
    engine = createEngineSupervisor({
      spawn: forkEngine,
      engine: scratchEngineOptions(scratch, 'test'),
    });
    server = await startServer({ port: 0, host: '127.0.0.1', token: TOKEN, rendererDir: scratch, engine, maxBodyBytes: BODY_LIMIT });
  });

  afterAll(async () => {
    await server?.close();
    await engine?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints a loopback URL that carries the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('refuses requests without the token or with a wrong one (401)', async () => {
    expect((await send(server.port, '/')).status).toBe(401);
    expect((await send(server.port, '/api/listDatasets', { method: 'POST', body: '{}' })).status).toBe(401);
    const wrong = await send(server.port, '/api/listDatasets', { method: 'POST', body: '{}', headers: { 'x-cotlab-token': `${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.code).toBe('unauthorized');
  });

  it('answers with the token in the header', async () => {
    const listed = await send(server.port, '/api/listDatasets', { method: 'POST', body: '{}', headers: { 'x-cotlab-token': TOKEN } });
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body).datasets.map((d: { name: string }) => d.name)).toEqual(['histopathology', 'radiology']);
  });

  it('trades the token in the first page URL for an HttpOnly SameSite=Strict cookie and a clean URL', async () => {
    const first = await send(server.port, `/?token=${TOKEN}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toBe(`cotlab_token_${server.port}=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`);
    const page = await send(server.port, '/', { headers: { cookie: cookie.split(';')[0] as string } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>workbench</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const call = await send(server.port, '/api/listPrompts', { method: 'POST', body: '{}', headers: { cookie: `other=1; ${cookie.split(';')[0] as string}` } });
    expect(call.status).toBe(200);
    // Other query parameters survive the redirect; a path cannot turn the redirect into one to another host.
    expect((await send(server.port, `/index.html?token=${TOKEN}&x=1`)).headers.location).toBe('/index.html?x=1');
    expect((await send(server.port, `/.//evil.example/?token=${TOKEN}`)).headers.location).toBe('/evil.example/');
    expect((await send(server.port, `/?token=${TOKEN}x`)).status).toBe(401);
  });

  it('does not accept the token in the URL of anything but the first page load', async () => {
    const apiCall = await send(server.port, `/api/listPrompts?token=${TOKEN}`, { method: 'POST', body: '{}' });
    expect(apiCall.status).toBe(401);
    expect((await send(server.port, `/index.html?token=${TOKEN}`, { method: 'HEAD' })).status).toBe(401);
    const otherPortCookie = await send(server.port, '/', { headers: { cookie: `cotlab_token_1=${TOKEN}` } });
    expect(otherPortCookie.status).toBe(401);
  });

  it('answers a malformed percent-encoding with 400, and keeps serving', async () => {
    const headers = { 'x-cotlab-token': TOKEN };
    const reply = await send(server.port, '/assets/%zz.js', { headers });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.message).toBe('The request URL is malformed (a bad %-escape).');
    expect((await send(server.port, '/%E0%A4%A', { headers })).status).toBe(400);
    expect((await send(server.port, '/', { headers })).status).toBe(200);
  });

  it('refuses an oversized body by its Content-Length before reading it (413)', async () => {
    const answer = await raw(server.port, [
      `POST /api/uploadDataset HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-cotlab-token: ${TOKEN}\r\ncontent-type: application/json\r\ncontent-length: 10000000000\r\n\r\n`,
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain(`The request is larger than ${BODY_LIMIT} bytes, the most this server reads.`);
  });

  it('stops reading a streamed body as soon as it passes the limit (413)', async () => {
    const chunk = Buffer.alloc(BODY_LIMIT + 1, 'a');
    const answer = await raw(server.port, [
      `POST /api/uploadDataset HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nx-cotlab-token: ${TOKEN}\r\ntransfer-encoding: chunked\r\n\r\n`,
      `${chunk.length.toString(16)}\r\n`,
      chunk,
      '\r\n',
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    const after = await send(server.port, '/api/listPrompts', { method: 'POST', body: '{}', headers: { 'x-cotlab-token': TOKEN } });
    expect(after.status).toBe(200);
  });

  it('refuses a page that reached it under another host name (DNS rebinding)', async () => {
    const reply = await send(server.port, `/?token=${TOKEN}`, { headers: { host: `evil.example:${server.port}` } });
    expect(reply.status).toBe(403);
  });

  it('rejects a payload that breaks the contract with a clear 400 and keeps serving', async () => {
    const bad = await send(server.port, '/api/startExperiment', {
      method: 'POST',
      body: JSON.stringify({ variants: [] }),
      headers: { 'x-cotlab-token': TOKEN },
    });
    expect(bad.status).toBe(400);
    const error = JSON.parse(bad.body).error;
    expect(error.code).toBe('bad_request');
    expect(error.message).toMatch(/^The startExperiment request is invalid: /);
    expect(error.details).toContain('variants: add at least one variant');
    const notJson = await send(server.port, '/api/listDatasets', { method: 'POST', body: '{oops', headers: { 'x-cotlab-token': TOKEN } });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toBe('The request body is not valid JSON.');
    const unknown = await send(server.port, '/api/dropTables', { method: 'POST', body: '{}', headers: { 'x-cotlab-token': TOKEN } });
    expect(unknown.status).toBe(404);
    const after = await send(server.port, '/api/listPrompts', { method: 'POST', body: '{}', headers: { 'x-cotlab-token': TOKEN } });
    expect(after.status).toBe(200);
  });

  it('reports engine input errors with their context', async () => {
    const reply = await send(server.port, '/api/loadDatasetPreview', {
      method: 'POST',
      body: JSON.stringify({ source: { kind: 'file', path: path.join(scratch, 'missing.tsv'), format: 'hare_tsv', mapping: { textColumn: null, labelColumn: null, metadataColumns: [], delimiter: null } } }),
      headers: { 'x-cotlab-token': TOKEN },
    });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error.message).toContain('missing.tsv');
  });

  it('refuses a run whose settings the engine cannot use, before anything starts', async () => {
    const headers = { 'x-cotlab-token': TOKEN };
    const variant = {
      name: 'missing',
      dataset: { kind: 'bundled', name: 'no-such-dataset' },
      prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
      numSamples: 2,
      seed: 1,
    };
    const body = JSON.stringify({ modelDir: null, variants: [variant], layers: null, pooling: 'mean', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null });
    const refused = await send(server.port, '/api/startExperiment', { method: 'POST', body, headers });
    expect(refused.status).toBe(404);
    expect(JSON.parse(refused.body).error.message).toBe('There is no bundled dataset "no-such-dataset".');
    const unknown = await send(server.port, '/api/experimentStatus', { method: 'POST', body: JSON.stringify({ runId: 'nope' }), headers });
    expect(unknown.status).toBe(404);
  });

  it('opens the progress WebSocket only with the token in a header or the session cookie', async () => {
    const opened = (url: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(url, { headers });
        socket.on('open', () => {
          socket.close();
          resolve('open');
        });
        socket.on('error', () => resolve('refused'));
      });
    const base = `ws://127.0.0.1:${server.port}/api/progress`;
    expect(await opened(base)).toBe('refused');
    expect(await opened(`${base}?token=${TOKEN}`)).toBe('refused');
    expect(await opened(base, { 'x-cotlab-token': TOKEN })).toBe('open');
    expect(await opened(base, { cookie: `cotlab_token_${server.port}=${TOKEN}` })).toBe('open');
  });

  it('will not listen on any address but loopback', async () => {
    await expect(
      startServer({ port: 0, host: '0.0.0.0' as LoopbackHost, token: TOKEN, rendererDir: scratch, engine }),
    ).rejects.toBeInstanceOf(NonLoopbackHostError);
  });
});
