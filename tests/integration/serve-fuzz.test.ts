import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ProgressEvent } from '../../src/contract/index.js';
import { repoRoot } from '../helpers/cli.js';

/**
 * `serve` attacked over loopback as a careless or hostile client would: raw WebSocket frames, paths outside its roots,
 * huge bodies and broken URLs. It runs in a process of its own, so a crash shows as its exit, not as the runner's.
 */

/** The engine processes a process started (its children running engine-worker), from the process table. */
function engineChildren(parent: number): number[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === parent && (match[3] ?? '').includes('engine-worker'))
    .map((match) => Number(match[1]));
}

interface RawSocket {
  socket: Socket;
  /** Resolves once the server has closed the connection. */
  closed: Promise<void>;
  handshake: string;
}

/** A WebSocket opened by hand on a plain TCP socket, so the test can then send frames no library would. */
function rawWebSocket(port: number, headers: string): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const closed = new Promise<void>((done) => socket.on('close', () => done()));
    socket.on('error', () => undefined);
    void closed.then(() => reject(new Error('the server closed the connection before the handshake')));
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      if (!text.startsWith('HTTP/1.1 101')) reject(new Error(`handshake refused: ${text.slice(0, end)}`));
      else resolve({ socket, closed, handshake: text.slice(0, end) });
    };
    socket.on('data', onData);
    socket.on('connect', () => {
      socket.write(
        `GET /api/progress HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${headers}\r\n`,
      );
    });
  });
}

/** A masked client frame with a 64-bit length field (as a browser sends a large message). */
function maskedFrame(opcode: number, payloadLength: number): Buffer {
  const header = Buffer.alloc(2 + 8 + 4);
  header[0] = 0x80 | opcode;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(payloadLength), 2);
  randomBytes(4).copy(header, 10);
  return Buffer.concat([header, Buffer.alloc(payloadLength, 0x61)]);
}

/** Raw bytes in, everything the server answers until it closes the connection out. */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Buffer.concat(received).toString('utf8')));
    socket.on('connect', () => socket.write(text));
  });
}

describe('serve survives hostile clients and confines paths to its roots', () => {
  let scratch: string;
  let dataRoot: string;
  let outside: string;
  let child: ChildProcess;
  let port: number;
  let token: string;
  let progress: WebSocket;
  const events: ProgressEvent[] = [];
  let experimentId = '';

  const call = async (method: string, body: unknown = {}) => {
    const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cotlab-token': token },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
  };
  const fileSource = (file: string) => ({
    kind: 'file',
    path: file,
    format: 'delimited',
    mapping: { textColumn: 'text', labelColumn: 'label', metadataColumns: [], delimiter: null },
  });
  const last = (runId: string) => events.filter((event) => event.runId === runId).at(-1);

  beforeAll(async () => {
    scratch = realpathSync(mkdtempSync(path.join(tmpdir(), 'cotlab-fuzz-')));
    dataRoot = path.join(scratch, 'data');
    outside = path.join(realpathSync(tmpdir()), `cotlab-fuzz-outside-${process.pid}`);
    mkdirSync(path.join(dataRoot, '.private'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(scratch, 'index.html'), '<!doctype html><title>workbench</title>');
    writeFileSync(path.join(dataRoot, 'notes.tsv'), 'text\tlabel\nfirst note\t1\nsecond note\t0\n');
    writeFileSync(path.join(dataRoot, '.private', 'notes.tsv'), 'text\tlabel\nhidden\t1\n');
    writeFileSync(path.join(outside, 'secret.tsv'), 'text\tlabel\nsecret\t1\n');
    symlinkSync(path.join(outside, 'secret.tsv'), path.join(dataRoot, 'link-out.tsv'));
    symlinkSync(path.join(dataRoot, 'notes.tsv'), path.join(dataRoot, 'link-in.tsv'));

    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    child = spawn(process.execPath, ['--import', tsx, path.join(repoRoot, 'tests/helpers/serve-child.ts'), scratch, dataRoot], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before it listened`)));
    });
    const started = JSON.parse(line) as { url: string; port: number };
    port = started.port;
    token = new URL(started.url).searchParams.get('token') ?? '';
    progress = new WebSocket(`ws://127.0.0.1:${port}/api/progress`, { headers: { 'x-cotlab-token': token } });
    progress.on('message', (data) => events.push(JSON.parse(String(data)) as ProgressEvent));
    await new Promise((resolve) => progress.once('open', resolve));
  });

  afterAll(async () => {
    progress?.close();
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(scratch, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('disconnects a WebSocket client that sends an oversized or malformed frame; the server and a running experiment go on', async () => {
    const service = engineChildren(child.pid as number);
    expect(service).toHaveLength(1);
    const variant = (name: string) => ({
      name,
      dataset: { kind: 'bundled', name },
      prompt: { name, options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
      numSamples: 5,
      seed: 7,
    });
    const started = await call('startExperiment', {
      modelDir: null,
      variants: [variant('histopathology'), variant('radiology')],
      layers: null,
      pooling: 'mean',
      comparisonMode: 'pairwise',
      hook: 'resid_post',
      maxInputTokens: null,
    });
    expect(started.status).toBe(200);
    const runId = String(started.json['runId']);
    const [runPid] = engineChildren(child.pid as number).filter((pid) => !service.includes(pid));
    expect(runPid).toBeDefined();
    // Frozen, so the run is certainly in the middle of its work while the frames arrive.
    process.kill(runPid as number, 'SIGSTOP');
    try {
      const auth = `x-cotlab-token: ${token}\r\n`;
      const oversized = await rawWebSocket(port, auth);
      oversized.socket.write(maskedFrame(0x1, 100_000));
      await oversized.closed;
      const unmasked = await rawWebSocket(port, auth);
      unmasked.socket.write(Buffer.from([0x81, 0x00]));
      await unmasked.closed;
      const badOpcode = await rawWebSocket(port, `cookie: cotlab_token_${port}=${token}\r\n`);
      badOpcode.socket.write(maskedFrame(0x3, 4));
      await badOpcode.closed;
      // A handshake whose URL cannot be parsed, and one cut off halfway.
      expect(await rawRequest(port, `GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${auth}\r\n`)).toMatch(/^HTTP\/1\.1 40[01] /);
      const cut = connect(port, '127.0.0.1');
      cut.on('error', () => undefined);
      cut.write(`GET /api/progress HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n`);
      cut.destroy();
    } finally {
      process.kill(runPid as number, 'SIGCONT');
    }

    expect(child.exitCode).toBeNull();
    expect((await call('listPrompts')).status).toBe(200);
    expect(progress.readyState).toBe(WebSocket.OPEN);
    await expect.poll(() => last(runId)?.state, { timeout: 120_000, interval: 50 }).toBe('completed');
    experimentId = last(runId)?.experimentId ?? '';
    expect(experimentId).not.toBe('');
  });

  it('refuses system files through every call that takes a path', async () => {
    for (const file of ['/etc/shadow', '/proc/self/environ']) {
      const preview = await call('loadDatasetPreview', { source: fileSource(file) });
      expect(preview.status).toBe(403);
      expect(preview.json.error?.code).toBe('forbidden');
      expect(preview.json.error?.message).toMatch(/^The dataset file \/(etc\/shadow|proc\/self\/environ).* is in \/(etc|proc), which the workbench never reads or writes\.$/);
      const prompt = await call('previewPrompt', {
        prompt: { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'json' } },
        dataset: fileSource(file),
        sampleIdx: 0,
        modelDir: null,
      });
      expect(prompt.status).toBe(403);
    }
    const model = await call('inspectModel', { dir: '/proc/self' });
    expect(model.status).toBe(403);
    expect(model.json.error?.message).toContain('The model folder /proc/self');
    const tokenizer = await call('previewPrompt', {
      prompt: { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'json' } },
      dataset: fileSource(path.join(dataRoot, 'notes.tsv')),
      sampleIdx: 0,
      modelDir: '/etc',
    });
    // The sample is allowed; the model folder is not, so there is no token count, and the note says why.
    expect(tokenizer.status).toBe(200);
    expect(tokenizer.json['tokenCountNote']).toContain('The model folder /etc is in /etc');
  });

  it('refuses a symlink out of a root, ../ traversal and hidden folders, naming the allowed roots', async () => {
    const roots = `${dataRoot}, ${path.join(repoRoot, 'data')}`;
    const link = await call('loadDatasetPreview', { source: fileSource(path.join(dataRoot, 'link-out.tsv')) });
    expect(link.status).toBe(403);
    expect(link.json.error?.message).toBe(
      `The dataset file ${path.join(dataRoot, 'link-out.tsv')} (really ${path.join(outside, 'secret.tsv')}) is outside the folders serve mode may read: ${roots}. Start \`cotlab-wb serve\` with --data-root FOLDER to add one.`,
    );
    const traversal = await call('loadDatasetPreview', { source: fileSource(`${dataRoot}/../../${path.basename(outside)}/secret.tsv`) });
    expect(traversal.status).toBe(403);
    expect(traversal.json.error?.message).toContain('is outside the folders serve mode may read');
    const hidden = await call('loadDatasetPreview', { source: fileSource(path.join(dataRoot, '.private', 'notes.tsv')) });
    expect(hidden.status).toBe(403);
    expect(hidden.json.error?.message).toContain('is inside the hidden folder ".private"');
    const run = await call('startExperiment', {
      modelDir: null,
      variants: [{ name: 'secret', dataset: fileSource(path.join(outside, 'secret.tsv')), prompt: { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'json' } }, numSamples: 1, seed: 1 }],
      layers: null,
      pooling: 'mean',
      comparisonMode: 'pairwise',
      hook: 'resid_post',
      maxInputTokens: null,
    });
    expect(run.status).toBe(403);
  });

  it('still opens files inside the roots, also through a symlink that stays inside', async () => {
    const direct = await call('loadDatasetPreview', { source: fileSource(path.join(dataRoot, 'notes.tsv')) });
    expect(direct.status).toBe(200);
    expect((direct.json['rows'] as { text: string }[]).map((row) => row.text)).toEqual(['first note', 'second note']);
    const viaLink = await call('loadDatasetPreview', { source: fileSource(path.join(dataRoot, 'link-in.tsv')) });
    expect(viaLink.status).toBe(200);
    expect(viaLink.json['path']).toBe(path.join(dataRoot, 'notes.tsv'));
  });

  it('writes exported vectors only under the output root', async () => {
    const refused = await call('exportVectors', { experimentId, dir: path.join(outside, 'vectors') });
    expect(refused.status).toBe(403);
    expect(refused.json.error?.message).toBe(
      `The export folder ${path.join(outside, 'vectors')} is outside the output folder ${scratch}: serve mode writes only inside it, and never into hidden folders.`,
    );
    expect(readdirSync(outside)).toEqual(['secret.tsv']);
    expect((await call('exportVectors', { experimentId, dir: path.join(scratch, '.git', 'hooks') })).status).toBe(403);
    const written = await call('exportVectors', { experimentId, dir: path.join(scratch, 'exports', 'vectors') });
    expect(written.status).toBe(200);
    expect(written.json['sampleFiles']).toBeGreaterThan(0);
  });

  it('answers huge bodies with 413 and broken URLs with 400, and keeps serving', async () => {
    const huge = await rawRequest(
      port,
      `POST /api/uploadDataset HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-cotlab-token: ${token}\r\ncontent-type: application/json\r\ncontent-length: 99999999999\r\n\r\n{"fileName":`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 413 /);
    const badEscape = await rawRequest(port, `GET /%zz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-cotlab-token: ${token}\r\nConnection: close\r\n\r\n`);
    expect(badEscape).toMatch(/^HTTP\/1\.1 400 /);
    const badTarget = await rawRequest(port, `GET //[ HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nx-cotlab-token: ${token}\r\nConnection: close\r\n\r\n`);
    expect(badTarget).toMatch(/^HTTP\/1\.1 400 /);
    const badCookie = await rawRequest(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: cotlab_token_${port}=%E0%A4%A\r\nConnection: close\r\n\r\n`);
    expect(badCookie).toMatch(/^HTTP\/1\.1 401 /);
    expect(child.exitCode).toBeNull();
    expect((await call('listExperiments')).status).toBe(200);
  });
});
