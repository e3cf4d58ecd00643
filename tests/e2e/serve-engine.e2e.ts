import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ProgressEvent } from '../../src/contract/index.js';
import { createEngineSupervisor } from '../../src/host/engine-supervisor.js';
import { forkEngine } from '../../src/host/fork-engine.js';
import type { RunningServer } from '../../src/serve/http.js';
import { serveCommand } from '../../src/serve/serve-command.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';

/** The engine processes this test process started (serve runs in-process here), from the process table. */
function enginePids(): number[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && Number(match[2]) === process.pid && (match[3] ?? '').includes('engine-worker'))
    .map((match) => Number(match[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Enough that a run is still going when the test freezes it, few enough to finish quickly on a busy machine. */
const SAMPLES_PER_RUN = 30;

describe('serve mode runs the engine in child processes', () => {
  let scratch: string;
  let server: RunningServer;
  let token: string;
  let socket: WebSocket;
  const events: ProgressEvent[] = [];

  const call = async (method: string, body: unknown = {}) => {
    const started = performance.now();
    const response = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cotlab-token': token },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown>, ms: performance.now() - started };
  };

  const variant = (name: string) => ({
    name,
    dataset: { kind: 'bundled', name },
    prompt: { name, options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
    numSamples: SAMPLES_PER_RUN,
    seed: 42,
  });
  const request = { modelDir: null, variants: [variant('histopathology'), variant('radiology')], layers: null, pooling: 'last_token', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null };

  const lastEvent = (runId: string) => events.filter((event) => event.runId === runId).at(-1);

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-serve-engine-'));
    writeFileSync(path.join(scratch, 'index.html'), '<!doctype html><title>workbench</title>');
    server = await serveCommand({
      port: 0,
      rendererDir: scratch,
      print: () => undefined,
      engine: scratchEngineOptions(scratch, 'e2e'),
    });
    token = new URL(server.url).searchParams.get('token') ?? '';
    socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/progress`, { headers: { 'x-cotlab-token': token } });
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as ProgressEvent));
    await new Promise((resolve) => socket.once('open', resolve));
  });

  afterAll(async () => {
    socket?.close();
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  let runId = '';
  let experimentId = '';

  it('keeps answering while a run is frozen, and reports a killed run as failed while serving on', async () => {
    expect((await call('listPrompts')).status).toBe(200);
    const service = enginePids();
    expect(service).toHaveLength(1);
    const started = await call('startExperiment', request);
    expect(started.status).toBe(200);
    runId = String(started.json['runId']);
    await expect.poll(() => lastEvent(runId)?.samplesDone ?? 0, { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
    const [runPid] = enginePids().filter((pid) => !service.includes(pid));
    expect(runPid).toBeDefined();
    experimentId = lastEvent(runId)?.experimentId ?? '';
    expect(experimentId).not.toBe('');

    // Frozen mid-run, as during a long forward pass of a real model: the server and the other calls still answer.
    process.kill(runPid as number, 'SIGSTOP');
    for (let round = 0; round < 3; round++) {
      const listed = await call('listExperiments');
      const status = await call('experimentStatus', { runId });
      const preview = await call('loadDatasetPreview', { source: { kind: 'bundled', name: 'radiology' }, limit: 5 });
      for (const reply of [listed, status, preview]) {
        expect(reply.status).toBe(200);
        expect(reply.ms).toBeLessThan(5000);
      }
      expect(status.json['state']).toBe('running');
      expect((listed.json['items'] as { status: string }[])[0]?.status).toBe('running');
    }

    // A native crash of the run's process: the run fails, the server and the service process live on.
    process.kill(runPid as number, 'SIGKILL');
    await expect.poll(() => lastEvent(runId)?.state, { timeout: 10_000 }).toBe('failed');
    expect(lastEvent(runId)?.message).toContain('stopped unexpectedly (signal SIGKILL)');
    expect(lastEvent(runId)?.message).toContain(`Experiment ${experimentId} keeps the samples done so far`);
    expect((await call('experimentStatus', { runId })).json['state']).toBe('failed');
    const listed = await call('listExperiments');
    expect(listed.status).toBe(200);
    expect((listed.json['items'] as { id: string; status: string }[])[0]).toMatchObject({ id: experimentId, status: 'interrupted' });
    expect((await call('listPrompts')).status).toBe(200);
    expect(enginePids()).toEqual(service);
  });

  it('resumes the killed run to completion from its stored samples', async () => {
    const resumed = await call('resumeExperiment', { id: experimentId });
    expect(resumed.status).toBe(200);
    const resumedRun = String(resumed.json['runId']);
    await expect.poll(() => lastEvent(resumedRun)?.state, { timeout: 120_000, interval: 100 }).toBe('completed');
    const result = await call('getExperiment', { id: experimentId });
    const experiment = result.json['experiment'] as { status: string; samples: number };
    expect(experiment.status).toBe('completed');
    expect(experiment.samples).toBe(2 * SAMPLES_PER_RUN);
    expect((result.json['comparisons'] as { layers: { cosineCi: unknown }[] }[])[0]?.layers[0]?.cosineCi).not.toBeNull();
  });

  it('starts a new service process when the old one died', async () => {
    const [service] = enginePids();
    process.kill(service as number, 'SIGKILL');
    await expect.poll(() => alive(service as number)).toBe(false);
    await expect.poll(async () => (await call('listExperiments')).status, { timeout: 10_000, interval: 200 }).toBe(200);
    const [replacement] = enginePids();
    expect(replacement).toBeDefined();
    expect(replacement).not.toBe(service);
  });
});

describe('a cancelled run that cannot stop', () => {
  it('is stopped by force after the grace time and reported as cancelled', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-cancel-'));
    const engine = createEngineSupervisor({
      spawn: forkEngine,
      cancelGraceMs: 500,
      engine: scratchEngineOptions(scratch, 'e2e'),
    });
    const service = enginePids();
    const events: ProgressEvent[] = [];
    engine.subscribeProgress((event) => events.push(event));
    try {
      const variant = {
        name: 'radiology',
        dataset: { kind: 'bundled' as const, name: 'radiology' },
        prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' as const } },
        numSamples: null,
        seed: 42,
      };
      const { runId } = await engine.startExperiment({ modelDir: null, variants: [variant], layers: null, pooling: 'mean', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null });
      await expect.poll(() => events.filter((event) => event.runId === runId).at(-1)?.samplesDone ?? 0, { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
      const [runPid] = enginePids().filter((pid) => !service.includes(pid));
      process.kill(runPid as number, 'SIGSTOP');
      expect(await engine.cancelExperiment({ runId })).toEqual({ cancelled: true });
      await expect.poll(() => events.at(-1)?.state, { timeout: 10_000 }).toBe('cancelled');
      expect(events.at(-1)?.message).toMatch(/^Stopped: the engine did not reach a point where it could stop within 1 s, so its process was ended\. Experiment \d+ keeps/);
      expect(await engine.cancelExperiment({ runId })).toEqual({ cancelled: false });
    } finally {
      await engine.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
