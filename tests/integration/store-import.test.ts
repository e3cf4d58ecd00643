import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../../src/config/exact-json.js';
import { CotlabResultsError } from '../../src/store/cotlab-results.js';
import type { HistoryStore } from '../../src/store/history-store.js';
import { freshHistoryEachTest, type StoreTempDir } from '../fixtures/store/temp-db.js';

const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'store');
const FIXTURE = join(FIXTURE_DIR, 'cotlab-results.json');

let temp: StoreTempDir;
let store: HistoryStore;
freshHistoryEachTest((opened) => ({ temp, store } = opened));

function results(): Record<string, unknown> {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
}

describe('importCotlabResults', () => {
  it('stores a CoTLab activation_compare results.json as a completed experiment without vectors', () => {
    const { experimentId, created } = store.importCotlabResults(results(), FIXTURE);
    expect(created).toBe(true);
    const experiment = store.getExperiment(experimentId);
    expect(experiment).toMatchObject({
      name: 'activation_compare',
      status: 'completed',
      source: 'cotlab-import',
      sourcePath: FIXTURE,
      outputDir: FIXTURE_DIR,
      modelName: 'google/medgemma-4b-it',
      hook: 'cotlab',
      pooling: 'last_token',
      vectorPolicy: 'means',
      // CoTLab writes zone-less wall-clock times: read the same way on every machine.
      startedAt: '2026-01-24T10:53:51.123Z',
      endedAt: '2026-01-24T10:55:37.500Z',
      durationS: 106,
      writerPid: null,
    });
    expect(experiment.config).toMatchObject({
      model: { name: 'google/medgemma-4b-it', safe_name: 'medgemma_4b' },
      experiment: { num_samples: 4, comparison_mode: 'pairwise' },
    });
    expect(
      experiment.runs.map((run) => [run.runIndex, run.name, run.datasetName, run.promptName, run.seed, run.status]),
    ).toEqual([
      [0, 'histopathology', 'histopathology', 'histopathology', 42, 'completed'],
      [1, 'radiology', 'radiology', 'radiology', 42, 'completed'],
    ]);
    const [histopathology, radiology] = experiment.runs;
    expect(histopathology).toMatchObject({
      numSamplesPlanned: 4,
      completedSamples: 4,
      layerIndices: [0, 1, 2],
      sampleIndices: null,
      systemPrompt: 'You are an expert histopathologist.',
    });
    expect(radiology?.systemPrompt).toBeNull();

    expect(store.getRunMeans(histopathology?.id ?? -1)).toEqual([
      { layer: 0, mean: null, norm: 12.5, count: 4 },
      { layer: 1, mean: null, norm: 250.25, count: 4 },
      { layer: 2, mean: null, norm: 1387, count: 4 },
    ]);
    expect(store.getRunSamples(histopathology?.id ?? -1)).toEqual([]);
    expect(
      store.getComparisons(experimentId).map((row) => [row.runAName, row.runBName, row.layer, row.cosine, row.l2]),
    ).toEqual([
      ['histopathology', 'radiology', 0, 0.9, 10],
      ['histopathology', 'radiology', 1, 0.8, 90],
      ['histopathology', 'radiology', 2, 0.7, 200],
    ]);
    expect(store.listExperiments({ limit: 5 }).items[0]).toMatchObject({
      id: experimentId,
      source: 'cotlab-import',
      variants: ['histopathology', 'radiology'],
      totalSamples: 8,
      durationS: 106,
    });
  });

  it('keeps seeds of any size exactly, as CPython wrote them', () => {
    const text = readFileSync(FIXTURE, 'utf8').replace(/"seed": 42/g, '"seed": 1180591620717411303424');
    expect(text).toContain('1180591620717411303424');
    const { experimentId } = store.importCotlabResults(parseJsonExact(text), FIXTURE);
    const experiment = store.getExperiment(experimentId);
    expect(experiment.runs.map((run) => run.seed)).toEqual([2n ** 70n, 2n ** 70n]);
    expect((experiment.config as { experiment: { seed: unknown } }).experiment.seed).toBe(2n ** 70n);
  });

  it('imports the same results once: a second import changes nothing and names the experiment', () => {
    const first = store.importCotlabResults(results(), FIXTURE);
    const again = store.importCotlabResults(results(), join(temp.dir, 'copied-results.json'));
    expect(again).toEqual({ experimentId: first.experimentId, created: false });
    expect(store.listExperiments({ limit: 5 }).total).toBe(1);
    expect(store.getExperiment(first.experimentId).sourcePath).toBe(FIXTURE);
  });

  it('imports a file once whatever time zone each import runs in', () => {
    const zone = process.env['TZ'];
    try {
      process.env['TZ'] = 'America/New_York';
      const first = store.importCotlabResults(results(), FIXTURE);
      process.env['TZ'] = 'Asia/Tokyo';
      const again = store.importCotlabResults(results(), FIXTURE);
      expect(again).toEqual({ experimentId: first.experimentId, created: false });
      expect(store.getExperiment(first.experimentId).startedAt).toBe('2026-01-24T10:53:51.123Z');
    } finally {
      if (zone === undefined) delete process.env['TZ'];
      else process.env['TZ'] = zone;
    }
  });

  it('imports a run made with store_per_layer false with the means over layers it has', () => {
    const json = results();
    const comparisons = (json.raw_outputs as Array<{ comparisons: Array<Record<string, unknown>> }>)[0]?.comparisons ?? [];
    for (const comparison of comparisons) {
      delete comparison.layer_cosine_similarity;
      delete comparison.layer_l2_distance;
    }
    const { experimentId } = store.importCotlabResults(json, FIXTURE);
    expect(store.getComparisons(experimentId)).toEqual([]);
    const [pair] = store.getPairs(experimentId);
    expect(pair?.findings).toMatchObject({
      run_a: 'histopathology',
      run_b: 'radiology',
      mean_cosine_similarity: comparisons[0]?.mean_cosine_similarity,
      mean_l2_distance: comparisons[0]?.mean_l2_distance,
      layers: [],
      lowest_cosine_layers: [],
      layers_beyond_chance: null,
    });
    expect(pair?.analysis).toBeNull();
  });

  it('refuses a comparison with per-layer cosines but no per-layer L2 distances', () => {
    const json = results();
    const comparison = (json.raw_outputs as Array<{ comparisons: Array<Record<string, unknown>> }>)[0]?.comparisons[0];
    delete comparison?.layer_l2_distance;
    expect(() => store.importCotlabResults(json, FIXTURE)).toThrow(/raw_outputs\.0\.comparisons\.0\.layer_indices/);
    expect(store.listExperiments({ limit: 5 }).total).toBe(0);
  });

  it('stores nothing from a file that is not a valid results.json', () => {
    const broken = results();
    broken.duration_seconds = 'long';
    expect(() => store.importCotlabResults(broken, FIXTURE)).toThrow(CotlabResultsError);
    expect(store.listExperiments({ limit: 5 }).total).toBe(0);
  });
});
