import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRequest, ProgressEvent } from '../../src/contract/index.js';
import { apiContract } from '../../src/contract/index.js';
import { createDispatcher } from '../../src/host/dispatch.js';
import { createEngineService, type EngineService } from '../../src/services/engine-service.js';
import { runExperimentJob } from '../../src/services/experiment-job.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { cli, QUICK_RUN } from '../fixtures/cli-history/cli.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let work: TempDir;
let service: EngineService;

function request(numSamples: number): ExperimentRequest {
  const variant = (name: string) => ({
    name,
    dataset: { kind: 'bundled' as const, name },
    prompt: { name, options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' as const } },
    numSamples,
    seed: 42,
  });
  return { modelDir: null, variants: [variant('radiology'), variant('histopathology')], layers: null, pooling: 'mean', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null };
}

async function run(job: ExperimentRequest): Promise<string> {
  const events: ProgressEvent[] = [];
  const options = scratchEngineOptions(work.dir, 'test');
  await runExperimentJob('run', { kind: 'start', request: job }, options, createPathPolicy(options.paths, [options.uploadDir]), new AbortController().signal, {
    accepted: () => undefined,
    progress: (event) => events.push(event),
  });
  expect(events.at(-1)?.state, events.at(-1)?.message ?? '').toBe('completed');
  return events.at(-1)?.experimentId as string;
}

function openService(): EngineService {
  const options = scratchEngineOptions(work.dir, 'test');
  return createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]));
}

const radiology = { experimentId: '1', runName: 'radiology' };

beforeAll(async () => {
  work = makeTempDir('services-probes');
  await run(request(24));
  // Experiment 2 keeps run means only: nothing to probe.
  await cli(['run', ...QUICK_RUN, '--store-vectors', 'means', '--out', work.path('means'), '--db', scratchEngineOptions(work.dir, 'test').dbPath]);
  service = openService();
}, 300_000);

afterAll(() => {
  service?.close();
  work?.remove();
});

describe('probing through the service', () => {
  it('offers each run of a new experiment as a probe target with its dataset metadata fields, and has no probes yet', async () => {
    const answer = await service.experimentProbes({ experimentId: '1' });
    expect(answer.probes).toEqual([]);
    expect(answer.targets).toEqual([
      { runName: 'radiology', unavailable: null, metadataFields: ['modality', 'body_part', 'synthetic', 'id'] },
      { runName: 'histopathology', unavailable: null, metadataFields: expect.arrayContaining(['model_id']) as unknown as string[] },
    ]);
  });

  it('probes a run and answers what the history stores, findings included', async () => {
    const { probe } = await service.probeRun(apiContract.probeRun.request.parse({ run: radiology, folds: 3 }));
    expect(apiContract.probeRun.response.parse({ probe })).toEqual({ probe });
    const store = openHistoryStore(scratchEngineOptions(work.dir, 'test').dbPath);
    try {
      const [stored] = store.getProbes(1);
      const record = stored?.record;
      expect(stored?.runName).toBe('radiology');
      expect(probe).toMatchObject({
        run: radiology,
        labelField: null,
        samples: 24,
        classes: record?.classes,
        bestLayer: record?.best_layer,
        earliestWithinOneSe: record?.earliest_within_one_se,
        layersBeyondChance: record?.layers_beyond_chance,
        folds: 3,
        seed: 42,
      });
      expect(probe.layers.map((layer) => [layer.layer, layer.accuracy, layer.accuracyCi.low, layer.pValueHolm, layer.selectivity, layer.confusion])).toEqual(
        record?.layers.map((layer) => [layer.layer, layer.accuracy, layer.accuracy_ci[0], layer.p_value_holm, layer.selectivity, layer.confusion]),
      );
      expect(probe.layers).toHaveLength(6);
      // Each confusion matrix counts every sample once.
      for (const layer of probe.layers) expect(layer.confusion.flat().reduce((a, b) => a + b, 0)).toBe(24);
    } finally {
      store.close();
    }
  });

  it('probes a metadata field, read in a dataset thread', async () => {
    const { probe } = await service.probeRun(apiContract.probeRun.request.parse({ run: { experimentId: '1', runName: 'histopathology' }, folds: 2, labelField: 'model_id' }));
    expect(probe.labelField).toBe('model_id');
    expect(probe.samples).toBe(24);
  });

  it('reads the stored probes back in a new service, newest of each run and label in run order', async () => {
    service.close();
    service = openService();
    const { probes } = await service.experimentProbes({ experimentId: '1' });
    expect(probes.map((probe) => [probe.run.runName, probe.labelField, probe.folds])).toEqual([
      ['radiology', null, 3],
      ['histopathology', 'model_id', 2],
    ]);
  });

  it('stops a probe whose caller has gone, and stores nothing of it', async () => {
    const caller = new AbortController();
    const probing = service.probeRun(apiContract.probeRun.request.parse({ run: radiology, folds: 4 }), caller.signal);
    caller.abort();
    await expect(probing).rejects.toMatchObject({ code: 'bad_request', message: 'The probe was cancelled; nothing was stored.' });
    const { probes } = await service.experimentProbes({ experimentId: '1' });
    expect(probes.map((probe) => probe.folds)).toEqual([3, 2]);
  });

  it('answers clear request errors: too few samples per class, a missing field, an unknown run, bad folds', async () => {
    const dispatch = createDispatcher(service);
    const tooFew = await dispatch('probeRun', { run: { experimentId: '1', runName: 'histopathology' }, folds: 10 });
    expect(tooFew).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringMatching(/^Class \S+ has \d+ samples?, fewer than the 10 cross-validation folds/) } });
    const noField = await dispatch('probeRun', { run: radiology, labelField: 'grade' });
    expect(noField).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('has no metadata field "grade" (fields: modality, body_part, synthetic, id)') } });
    const oneClass = await dispatch('probeRun', { run: radiology, folds: 2, labelField: 'synthetic' });
    expect(oneClass).toMatchObject({ ok: false, error: { code: 'bad_request', message: 'A probe needs at least two classes; every sample is labelled true.' } });
    const noRun = await dispatch('probeRun', { run: { experimentId: '1', runName: 'cardiology' } });
    expect(noRun).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('no such run') } });
    const noExperiment = await dispatch('experimentProbes', { experimentId: '99' });
    expect(noExperiment).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const badFolds = await dispatch('probeRun', { run: radiology, folds: 1 });
    expect(badFolds).toMatchObject({ ok: false, error: { code: 'bad_request', details: ['folds: use at least 2 folds'] } });
  });
});

describe('runs that cannot be probed', () => {
  it('are offered with the reason, and a probe of one is refused with it', async () => {
    const reason = 'it kept no per-sample vectors (--store-vectors means); run it again with --store-vectors all';
    const { targets } = await service.experimentProbes({ experimentId: '2' });
    expect(targets.map((target) => [target.unavailable, target.metadataFields])).toEqual([
      [reason, []],
      [reason, []],
    ]);
    const refused = await createDispatcher(service)('probeRun', { run: { experimentId: '2', runName: targets[0]?.runName ?? '' } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad_request', message: `Cannot probe experiment 2: ${reason}.` } });
  });
});
