import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultSetSchema } from '../../src/contract/index.js';
import { PartialRunMeans } from '../../src/experiments/partial-run-means.js';
import { storedResultSet } from '../../src/services/result-view.js';
import { parseJsonExact } from '../../src/config/exact-json.js';
import { PythonRandom } from '../../src/datasets/python-random.js';
import type { ResultsWithDivergence } from '../../src/experiments/report-files.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { cli, cliError, QUICK_RUN, readResults } from '../fixtures/cli-history/cli.js';
import { repoRoot } from '../helpers/cli.js';
import { sha256OfFile } from '../helpers/sha256.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const COTLAB_KEYS = [
  'metadata',
  'experiment',
  'model',
  'prompt_strategy',
  'metrics',
  'raw_outputs',
  'num_samples',
  'samples',
  'end_time',
  'duration_seconds',
];

let work: TempDir;

beforeAll(() => {
  work = makeTempDir('cli-history');
});

afterAll(() => work.remove());

function count(dbPath: string, sql: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('cotlab-wb run records the experiment in the history', () => {
  it('stores the experiment, runs, samples, vectors, means and comparisons with analytics, and still writes the CoTLab folder', async () => {
    const dbPath = work.path('unpaired.sqlite');
    const out = work.path('unpaired');
    const { stdout } = await cli(['run', ...QUICK_RUN, '--out', out, '--db', dbPath]);
    expect(stdout.trim()).toBe(out);
    const results = readResults(out);
    expect(Object.keys(results).slice(0, COTLAB_KEYS.length)).toEqual(COTLAB_KEYS);

    const store = openHistoryStore(dbPath);
    try {
      const [listed] = store.listExperiments({ limit: 5 }).items;
      const experiment = store.getExperiment(listed?.id ?? -1);
      expect(experiment).toMatchObject({
        status: 'completed',
        source: 'workbench',
        name: 'activation_compare',
        modelName: 'demo-gemma3-tiny',
        modelHash: sha256OfFile(join(repoRoot, 'resources', 'demo-model', 'model.onnx')),
        demoModel: true,
        executionProvider: 'cpu',
        hook: 'resid_post',
        pooling: 'mean',
        vectorPolicy: 'all',
        outputDir: out,
        error: null,
      });
      expect(experiment.config).toEqual(results.metadata.config);
      expect(experiment.durationS).toBeGreaterThan(0);

      const [histopathology, radiology] = experiment.runs;
      expect(histopathology).toMatchObject({
        name: 'histopathology',
        datasetName: 'histopathology',
        datasetPath: join(repoRoot, 'data', 'histopathology.tsv'),
        datasetHash: sha256OfFile(join(repoRoot, 'data', 'histopathology.tsv')),
        promptName: 'histopathology',
        promptOptions: { strategy: 'histopathology', few_shot: true, output_format: 'json' },
        seed: 42,
        numSamplesPlanned: 3,
        completedSamples: 3,
        status: 'completed',
        layerIndices: [0, 1, 2, 3, 4, 5],
      });
      expect(radiology?.datasetHash).toBe(sha256OfFile(join(repoRoot, 'data', 'radiology.json')));
      results.raw_outputs[0].runs.forEach((run, index) => {
        const stored = experiment.runs[index];
        expect(stored?.sampleIndices).toEqual(run.sample_indices);
        expect(store.getRunSamples(stored?.id ?? -1).map((sample) => sample.datasetIndex)).toEqual(run.sample_indices);
        expect(store.getRunMeans(stored?.id ?? -1).map((mean) => mean.norm)).toEqual(run.mean_activation_norms);
      });
      expect(count(dbPath, 'SELECT count(*) AS n FROM sample_vectors')).toBe(2 * 3 * 6);

      const [comparison] = results.raw_outputs[0].comparisons;
      const rows = store.getComparisons(experiment.id);
      expect(rows.map((row) => row.cosine)).toEqual(comparison?.layer_cosine_similarity);
      expect(rows.map((row) => row.l2)).toEqual(comparison?.layer_l2_distance);
      const pair = results.divergence.pairs[0];
      expect(pair).toMatchObject({ run_a: 'histopathology', run_b: 'radiology', paired: false, n_a: 3, n_b: 3, seed: 42 });
      rows.forEach((row, k) => {
        const layer = pair?.layers[k];
        expect(row).toMatchObject({
          relativeL2: layer?.relative_l2,
          cosineCiLow: layer?.cosine_ci?.[0],
          l2CiHigh: layer?.l2_ci?.[1],
          pValue: layer?.p_value,
          nPermutations: pair?.n_perm,
          cka: null,
          // Two runs give no meaningful centre (their centred means are always opposite).
          centredCosine: null,
        });
        expect(row.pValue).toBeGreaterThan(0);
      });
    } finally {
      store.close();
    }
  });

  it('marks two prompts over the same samples as paired: per-sample cosine and CKA are stored', async () => {
    const dbPath = work.path('paired.sqlite');
    const out = work.path('paired');
    await cli(['run', ...QUICK_RUN, 'experiment.variants.1.dataset=histopathology', '--out', out, '--db', dbPath]);
    const pair = readResults(out).divergence.pairs[0];
    expect(pair?.paired).toBe(true);
    expect(pair?.resampling).toBe('paired');
    expect(pair?.layers.every((layer) => layer.cka !== null && layer.sample_cosine?.n === 3)).toBe(true);
    const store = openHistoryStore(dbPath);
    try {
      const rows = store.getComparisons(store.listExperiments({ limit: 1 }).items[0]?.id ?? -1);
      expect(rows.map((row) => row.cka)).toEqual(pair?.layers.map((layer) => layer.cka));
    } finally {
      store.close();
    }
  });

  it('keeps only the chosen layers, or only the means, as --store-vectors asks', async () => {
    const dbPath = work.path('policies.sqlite');
    await cli(['run', ...QUICK_RUN, '--store-vectors', 'layers:0,3', '--out', work.path('layers'), '--db', dbPath]);
    expect(count(dbPath, 'SELECT count(*) AS n FROM sample_vectors')).toBe(2 * 3 * 2);
    expect(count(dbPath, 'SELECT count(*) AS n FROM sample_vectors WHERE layer NOT IN (0, 3)')).toBe(0);
    const out = work.path('means');
    await cli(['run', ...QUICK_RUN, '--store-vectors', 'means', '--out', out, '--db', dbPath]);
    expect(count(dbPath, 'SELECT count(*) AS n FROM sample_vectors')).toBe(2 * 3 * 2);
    expect(count(dbPath, 'SELECT count(*) AS n FROM samples')).toBe(4 * 3);
    // The analytics are computed from the vectors in memory, so they do not depend on what the history keeps.
    expect(readResults(out).divergence.pairs[0]?.layers).toHaveLength(6);
  });

  it('refuses a bad --store-vectors value and a layer the experiment does not capture', async () => {
    expect(await cliError(['run', ...QUICK_RUN, '--store-vectors', 'layers:x', '--db', work.path('bad.sqlite')])).toContain(
      'use all, means, or layers: followed by layer numbers, e.g. layers:0,3,5',
    );
    expect(await cliError(['run', ...QUICK_RUN, '--store-vectors', 'layers:0,9', '--db', work.path('bad.sqlite')])).toBe(
      '--store-vectors names layer 9, which this experiment does not capture (captured: 0, 1, 2, 3, 4, 5)',
    );
  });

  it('refuses a report folder it cannot write before computing or recording anything', async () => {
    const dbPath = work.path('unwritable.sqlite');
    const blocker = work.path('a-file');
    writeFileSync(blocker, 'not a folder\n');
    expect(await cliError(['run', ...QUICK_RUN, '--out', join(blocker, 'report'), '--db', dbPath])).toBe(
      `Report folder ${join(blocker, 'report')}: a part of this path is a file, not a folder.`,
    );
    expect(await cliError(['run', ...QUICK_RUN, '--out', blocker, '--db', dbPath])).toBe(
      `Report folder ${blocker}: this path is a file, not a folder; give a folder for the report.`,
    );
    expect(count(dbPath, 'SELECT count(*) AS n FROM experiments')).toBe(0);
  });

  it('refuses to record into a file that is not a history, and leaves it untouched', async () => {
    const foreign = work.path('notes.sqlite');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    const before = readFileSync(foreign);
    expect(await cliError(['run', ...QUICK_RUN, '--db', foreign])).toBe(
      `Could not open the history (history database ${foreign}): the file is a SQLite database of another program, not a CoTLab Workbench history. It was left untouched; choose another history file.`,
    );
    expect(readFileSync(foreign).equals(before)).toBe(true);
    const text = work.path('notes.txt');
    writeFileSync(text, 'just some notes\n');
    expect(await cliError(['history', '--db', text])).toContain('the file is not a SQLite database');
  });
});

describe('a seed beyond 64 bits (CPython takes any integer)', () => {
  const SEED = '1180591620717411303424'; // 2^70

  it('runs, and results.json, EXPERIMENT.md, config.json (and its re-run), the history, show and export keep it exactly', async () => {
    const dbPath = work.path('big-seed.sqlite');
    const out = work.path('big-seed');
    await cli(['run', ...QUICK_RUN, `experiment.seed=${SEED}`, 'experiment.variants.1.seed=-5', '--out', out, '--db', dbPath]);
    const resultsText = readFileSync(join(out, 'results.json'), 'utf8');
    const results = parseJsonExact(resultsText) as ResultsWithDivergence;
    expect(results.raw_outputs[0].runs.map((run) => run.seed)).toEqual([2n ** 70n, -5]);
    expect(results.divergence.pairs[0]?.seed).toBe(2n ** 70n);
    expect(resultsText).toContain(`"seed": ${SEED}`);
    // CPython: random.seed(2**70); random.sample(range(78), 3), and random.seed(-5) samples like random.seed(5).
    expect(results.raw_outputs[0].runs.map((run) => run.sample_indices)).toEqual([
      new PythonRandom(2n ** 70n).sample(78, 3),
      new PythonRandom(5).sample(60, 3),
    ]);
    expect(readFileSync(join(out, 'EXPERIMENT.md'), 'utf8')).toContain(`experiment.seed=${SEED}`);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toContain(`"seed": ${SEED}`);

    const store = openHistoryStore(dbPath);
    try {
      const experiment = store.getExperiment(1);
      expect(experiment.runs.map((run) => run.seed)).toEqual([2n ** 70n, -5]);
      // The UI contract carries a seed beyond the safe integers as its exact digits.
      const view = ResultSetSchema.parse(storedResultSet(store, experiment, new PartialRunMeans()));
      expect(view.runs.map((run) => run.seed)).toEqual([SEED, -5]);
      expect(view.comparisons[0]?.analysis?.seed).toBe(SEED);
    } finally {
      store.close();
    }
    expect(count(dbPath, `SELECT count(*) AS n FROM runs WHERE seed_text = '${SEED}' AND seed IS NULL`)).toBe(1);
    expect((await cli(['show', '1', '--db', dbPath])).stdout).toContain(SEED);
    const shown = parseJsonExact((await cli(['show', '1', '--json', '--db', dbPath])).stdout) as { runs: Array<{ seed: unknown }> };
    expect(shown.runs.map((run) => run.seed)).toEqual([2n ** 70n, -5]);
    const exported = parseJsonExact((await cli(['export', '1', '--format', 'json', '--db', dbPath])).stdout) as ResultsWithDivergence;
    expect(exported.divergence).toEqual(results.divergence);

    const again = work.path('big-seed-again');
    await cli(['run', '--no-progress', '--config', join(out, 'config.json'), '--out', again, '--db', dbPath]);
    expect((parseJsonExact(readFileSync(join(again, 'results.json'), 'utf8')) as ResultsWithDivergence).raw_outputs).toEqual(results.raw_outputs);
  });
});
