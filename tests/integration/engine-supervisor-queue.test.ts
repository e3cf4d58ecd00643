import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRequest, ProgressEvent } from '../../src/contract/index.js';
import type { EnginePort } from '../../src/host/engine-port.js';
import { createEngineSupervisor } from '../../src/host/engine-supervisor.js';
import { forkEngine } from '../../src/host/fork-engine.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';

const request = (seed: number): ExperimentRequest => ({
  modelDir: null,
  variants: [
    {
      name: 'radiology',
      dataset: { kind: 'bundled', name: 'radiology' },
      prompt: { name: 'radiology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
      numSamples: 3,
      seed,
    },
  ],
  layers: null,
  pooling: 'mean',
  comparisonMode: 'pairwise',
  hook: 'resid_post',
  maxInputTokens: null,
});

describe('experiment runs beyond --max-runs wait in a queue', () => {
  let scratch: string;
  let engine: EnginePort;
  const events: ProgressEvent[] = [];
  const last = (runId: string) => events.filter((event) => event.runId === runId).at(-1);

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-queue-'));
    engine = createEngineSupervisor({ spawn: forkEngine, engine: scratchEngineOptions(scratch, 'test'), maxRuns: 1 });
    engine.subscribeProgress((event) => events.push(event));
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('queues, reports the queue position, starts the next run only when one ends, and cancels a queued run', async () => {
    const first = (await engine.startExperiment(request(1))).runId;
    const second = (await engine.startExperiment(request(2))).runId;
    const third = (await engine.startExperiment(request(3))).runId;
    expect(await engine.experimentStatus({ runId: second })).toMatchObject({ state: 'queued', queuePosition: 1 });
    expect(await engine.experimentStatus({ runId: third })).toMatchObject({ state: 'queued', queuePosition: 2 });

    expect(await engine.cancelExperiment({ runId: third })).toEqual({ cancelled: true });
    expect(last(third)).toMatchObject({ state: 'cancelled', queuePosition: null, message: 'Cancelled before it started.' });

    await expect.poll(() => last(second)?.state, { timeout: 120_000, interval: 50 }).toBe('completed');
    expect(last(first)?.state).toBe('completed');
    // The second run left the queue only after the first one had finished: never two run processes at once.
    const firstEnded = events.findIndex((event) => event.runId === first && event.state === 'completed');
    const secondStarted = events.findIndex((event) => event.runId === second && event.state === 'starting');
    expect(secondStarted).toBeGreaterThan(firstEnded);
    expect(events.some((event) => event.runId === third && event.state !== 'queued' && event.state !== 'cancelled')).toBe(false);
  });

  it('reports a queued run that the engine refuses once it starts as failed, with the reason', async () => {
    const blocker = (await engine.startExperiment(request(4))).runId;
    const refused = (await engine.startExperiment({ ...request(5), variants: [{ ...request(5).variants[0]!, dataset: { kind: 'bundled', name: 'no-such-dataset' } }] })).runId;
    expect(last(refused)?.state).toBe('queued');
    await expect.poll(() => last(refused)?.state, { timeout: 120_000, interval: 50 }).toBe('failed');
    expect(last(refused)?.message).toBe('The experiment could not start: There is no bundled dataset "no-such-dataset".');
    expect(last(blocker)?.state).toBe('completed');
  });
});
