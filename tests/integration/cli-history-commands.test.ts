import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DivergencePairRecord } from '../../src/experiments/divergence-json.js';
import type { ResultsWithDivergence } from '../../src/experiments/report-files.js';
import type { DirectionsIndex } from '../../src/experiments/stored-vectors-export.js';
import type { VectorsExportIndex } from '../../src/report/npy.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { cli, cliError, QUICK_RUN, readResults, spawnCli } from '../fixtures/cli-history/cli.js';
import { sha256OfFile } from '../helpers/sha256.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const COTLAB_RESULTS = join(import.meta.dirname, '..', 'fixtures', 'cli-history', 'cotlab-results.json');

let work: TempDir;
let db: string;

// Experiment 1: histopathology vs radiology (unpaired). 2: the same histopathology samples under both prompts
// (paired), keeping the vectors of layers 0 and 3 only. 3: layers 0 and 2 only. 4: a CoTLab import.
beforeAll(async () => {
  work = makeTempDir('cli-history');
  db = work.path('history.sqlite');
  await cli(['run', ...QUICK_RUN, '--out', work.path('unpaired'), '--db', db]);
  await cli(['run', ...QUICK_RUN, 'experiment.variants.1.dataset=histopathology', '--store-vectors', 'layers:0,3', '--out', work.path('paired'), '--db', db]);
  await cli(['run', ...QUICK_RUN, 'experiment.layers=[0,2]', '--out', work.path('two-layers'), '--db', db]);
  await cli(['import', COTLAB_RESULTS, '--db', db]);
});

afterAll(() => work.remove());

function results(folder: string): ResultsWithDivergence {
  return readResults(work.path(folder));
}

async function json<T>(args: readonly string[]): Promise<T> {
  return JSON.parse((await cli([...args, '--db', db])).stdout) as T;
}

describe('history', () => {
  it('lists experiments newest first as a table', async () => {
    const { stdout } = await cli(['history', '--db', db]);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+DATE\s+MODEL\s+VARIANTS\s+SAMPLES\s+DURATION\s+STATUS\s+TAGS$/);
    expect(lines.slice(2).map((line) => line.trim().split(/\s+/)[0])).toEqual(['3', '2', '1', '4']);
    expect(lines[2]).toMatch(/demo-gemma3-tiny\s+histopathology, radiology\s+6\s+\d+\.\d s\s+completed$/);
    expect(lines[5]).toContain('google/medgemma-4b-it (CoTLab import)');
  });

  it('prints JSON with --json, and filters with --limit, --search and --status', async () => {
    const all = await json<Array<Record<string, unknown>>>(['history', '--json']);
    expect(all.map((item) => item.id)).toEqual([3, 2, 1, 4]);
    expect(all[0]).toMatchObject({ status: 'completed', model: 'demo-gemma3-tiny', samples: 6, variants: ['histopathology', 'radiology'] });
    expect(typeof all[0]?.started_at).toBe('string');
    expect((await json<unknown[]>(['history', '--json', '--limit', '1'])).length).toBe(1);
    expect((await cli(['history', '--limit', '1', '--db', db])).stdout).toContain('1 of 4 shown; use --limit to see more.');
    expect((await json<Array<{ id: number }>>(['history', '--json', '--search', 'MEDGEMMA'])).map((item) => item.id)).toEqual([4]);
    expect((await cli(['history', '--status', 'interrupted', '--db', db])).stdout).toBe(`No experiments match in ${db}.\n`);
    expect(await cliError(['history', '--status', 'done', '--db', db])).toContain('Allowed choices are running, completed, interrupted, failed.');
    expect(await cliError(['history', '--limit', '0', '--db', db])).toContain('use a whole number of 1 or more');
  });

  it('says so when the history file does not exist, instead of creating it', async () => {
    const missing = work.path('nowhere.sqlite');
    expect(await cliError(['history', '--db', missing])).toBe(
      `Could not open the history (history database ${missing}): there is no history in this file yet. Run an experiment first, or check the path (the file does not exist).`,
    );
    expect(existsSync(missing)).toBe(false);
  });
});

describe('show', () => {
  it('prints the experiment, its runs and a summary per pair', async () => {
    const { stdout } = await cli(['show', '1', '--db', db]);
    expect(stdout).toMatch(/^Experiment 1 \([0-9a-f]{24}\): activation_compare\n {2}status {5}completed\n/);
    expect(stdout).toContain('model      demo-gemma3-tiny (demo model, random weights), sha256 ');
    expect(stdout).toContain('vectors    all layers, every sample');
    expect(stdout).toMatch(/#1\s+histopathology\s+histopathology\s+histopathology\s+42\s+3\/3\s+0-5\s+completed/);
    const comparison = results('unpaired').raw_outputs[0].comparisons[0];
    expect(stdout).toContain(`histopathology vs radiology: mean cosine ${comparison?.mean_cosine_similarity.toFixed(4)}`);
    // 6 layers: max(1000, ceil(10 x 6 / 0.05)) = 1200 permutations.
    expect(stdout).toMatch(/\d+ of 6 layers differ beyond chance \(permutation test, 1200 permutations, Holm p < 0\.05\)/);
    expect(stdout).toMatch(/lowest cosine at layers( \d \(-?[\d.]+\),?){5}/);
  });

  it('prints JSON with the pair summaries and per-layer rows', async () => {
    const shown = await json<{ runs: unknown[]; pairs: Array<Record<string, unknown>>; comparisons: unknown[] }>(['show', '2', '--json']);
    expect(shown.runs).toHaveLength(2);
    expect(shown.comparisons).toHaveLength(6);
    expect(shown.pairs[0]).toMatchObject({ run_a: 'histopathology', run_b: 'radiology', layers: 6, n_permutations: 1200 });
    expect(shown.pairs[0]?.mean_cka).toEqual(expect.any(Number));
    expect((await cli(['show', '4', '--db', db])).stdout).toContain(`source     imported from ${COTLAB_RESULTS}`);
  });

  it('names an unknown experiment', async () => {
    expect(await cliError(['show', '42', '--db', db])).toBe(
      `Could not find experiment "42" (history database ${db}): the requested item is not in the history (no experiment "42").`,
    );
  });
});

describe('compare', () => {
  it('reproduces the stored comparison and its analytics for two runs of one experiment', async () => {
    const compared = await json<{ paired: boolean; layers: Array<{ cosine: number; l2: number }>; divergence: DivergencePairRecord }>([
      'compare',
      '1:histopathology',
      '1:#2',
      '--json',
    ]);
    const stored = results('unpaired');
    expect(compared.paired).toBe(false);
    expect(compared.layers.map((layer) => layer.cosine)).toEqual(stored.raw_outputs[0].comparisons[0]?.layer_cosine_similarity);
    expect(compared.divergence.layers).toEqual(stored.divergence.pairs[0]?.layers);
  });

  it('compares runs of different experiments: the same samples through the same model are paired and identical', async () => {
    const compared = await json<{ paired: boolean; layers: Array<{ layer: number; cosine: number; l2: number }>; divergence: DivergencePairRecord }>([
      'compare',
      '1:histopathology',
      '2:histopathology',
      '--json',
    ]);
    expect(compared.paired).toBe(true);
    expect(compared.layers.map((layer) => layer.l2)).toEqual([0, 0, 0, 0, 0, 0]);
    // Experiment 2 kept the vectors of layers 0 and 3 only.
    expect(compared.divergence.layers.map((layer) => [layer.layer, layer.cka])).toEqual([
      [0, 1],
      [3, 1],
    ]);
    const { stdout } = await cli(['compare', '1:histopathology', '2:radiology', '--db', db]);
    expect(stdout.split('\n')[0]).toBe('1:histopathology vs 2:radiology: paired (same dataset file and samples)');
    expect(stdout).toMatch(/LAYER\s+COSINE\s+L2\s+REL L2\s+COSINE CI\s+L2 CI\s+P \(HOLM\)\s+CKA\s+D \(HELD-OUT\)/);
  });

  it('shows an imported CoTLab pair from its stored rows', async () => {
    const compared = await json<{ layers: Array<{ cosine: number; relativeL2: number }>; divergence: null }>(['compare', '4:histopathology', '4:radiology', '--json']);
    expect(compared.layers.map((layer) => layer.cosine)).toEqual([0.99, 0.95, 0.9]);
    expect(compared.layers[0]?.relativeL2).toBeCloseTo(1.5 / ((12.5 + 11) / 2), 12);
    expect(compared.divergence).toBeNull();
  });

  it('explains what differs when runs cannot be compared, and what is wrong with a run reference', async () => {
    expect(await cliError(['compare', '1:histopathology', '3:histopathology', '--db', db])).toBe(
      'Runs 1:histopathology and 3:histopathology cannot be compared: the layers differ (0, 1, 2, 3, 4, 5 vs 0, 2).',
    );
    const message = await cliError(['compare', '1:histopathology', '4:histopathology', '--db', db]);
    expect(message).toMatch(/^Runs 1:histopathology and 4:histopathology cannot be compared: the model differs \(demo-gemma3-tiny, sha256 [0-9a-f]{12} vs google\/medgemma-4b-it, no hash\); the capture point differs \(resid_post vs cotlab\); the pooling differs \(mean vs last_token\); the layers differ/);
    expect(await cliError(['compare', '1:pathology', '1:radiology', '--db', db])).toBe(
      'Run "1:pathology": experiment 1 has no such run (its runs: histopathology, radiology).',
    );
    expect(await cliError(['compare', '1', '2:radiology', '--db', db])).toBe(
      'Run "1": experiment 1 has 2 runs (histopathology, radiology); name one as 1:RUN.',
    );
  });
});

describe('export', () => {
  it('rebuilds EXPERIMENT.md and results.json (with the analytics) from the history', async () => {
    // The history keeps the whole job's duration, not the loop's, so only that line may differ.
    const withoutDuration = (text: string) => text.replace(/\*\*Duration:\*\* .*\n/, '');
    const markdown = (await cli(['export', '1', '--format', 'md', '--db', db])).stdout;
    expect(withoutDuration(markdown)).toBe(withoutDuration(readFileSync(join(work.path('unpaired'), 'EXPERIMENT.md'), 'utf8')));
    expect(markdown).toMatch(/\*\*Duration:\*\* \d+ seconds/);
    const rebuilt = await json<ResultsWithDivergence>(['export', '1', '--format', 'json']);
    const original = results('unpaired');
    expect(rebuilt.raw_outputs).toEqual(original.raw_outputs);
    expect(rebuilt.divergence).toEqual(original.divergence);
    expect(rebuilt.capture).toEqual(original.capture);
    const partial = await json<ResultsWithDivergence>(['export', '2', '--format', 'json']);
    expect(partial.divergence.pairs[0]?.layers.map((layer) => layer.layer)).toEqual([0, 3]);
  });

  it('writes per-layer CSV and a self-contained HTML page', async () => {
    const csv = (await cli(['export', '1', '--format', 'csv', '--db', db])).stdout.split('\r\n');
    expect(csv[0]).toMatch(/^pair,run_a,run_b,run_a_set_apart_by,run_b_set_apart_by,layer,cosine,l2,centred_cosine,relative_l2,/);
    expect(csv.filter((line) => line.startsWith('histopathology vs radiology,'))).toHaveLength(6);
    expect((await cli(['export', '4', '--format', 'csv', '--db', db])).stdout.split('\r\n')[1]).toMatch(
      /^histopathology vs radiology,histopathology,radiology,"dataset histopathology, prompt histopathology","dataset radiology, prompt radiology",0,0.99,1.5,/,
    );
    const htmlPath = work.path('report.html');
    await cli(['export', '1', '--format', 'html', '--out', htmlPath, '--db', db]);
    const html = readFileSync(htmlPath, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Experiment 1: activation_compare');
    expect(html).not.toMatch(/<script[^>]+src=/);
  });

  it('writes per-sample vectors and diff-in-means directions as .npy with JSON indexes', async () => {
    const dir = work.path('npy');
    await cli(['export', '1', '--format', 'npy', '--out', dir, '--db', db]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as VectorsExportIndex;
    expect(index.files).toHaveLength(12);
    const entry = index.files.find((file) => file.run === 'radiology' && file.layer === 4);
    expect(entry?.shape).toEqual([3, 64]);
    const store = openHistoryStore(db);
    try {
      const [, radiology] = store.getExperiment(1).runs;
      const expected = store.getRunVectors(radiology?.id ?? -1, 4);
      const bytes = readFileSync(join(dir, entry?.file ?? ''));
      const dataStart = bytes.length - 3 * 64 * 4;
      expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
      expect(Buffer.from(bytes.subarray(dataStart))).toEqual(Buffer.concat(expected.map((vector) => Buffer.from(vector.buffer))));
      const directions = JSON.parse(readFileSync(join(dir, 'directions.json'), 'utf8')) as DirectionsIndex;
      expect(directions.files).toEqual([
        expect.objectContaining({ run_a: 'histopathology', run_b: 'radiology', layers: [0, 1, 2, 3, 4, 5], shape: [6, 64] }),
      ]);
    } finally {
      store.close();
    }
  });

  it('refuses what the stored experiment cannot provide', async () => {
    expect(await cliError(['export', '4', '--format', 'json', '--db', db])).toBe(
      `Cannot export experiment 4 as json: it was imported from ${COTLAB_RESULTS}; that file is its original report.`,
    );
    expect(await cliError(['export', '4', '--format', 'npy', '--out', work.path('none'), '--db', db])).toBe(
      'Cannot export experiment 4 as npy: it holds no vectors (an imported CoTLab experiment keeps only norms and metrics).',
    );
    expect(await cliError(['export', '1', '--format', 'npy', '--db', db])).toBe(
      'Cannot export experiment 1 as npy: give a folder to write into with --out DIR.',
    );
    expect(await cliError(['export', '1', '--format', 'pdf', '--db', db])).toContain('Allowed choices are md, json, html, csv, probing-csv, npy.');
  });
});

describe('notes and tags', () => {
  it('sets notes and tags, shows them, finds them with history --search, and says what sets each run apart', async () => {
    expect((await cli(['note', '2', 'Same', 'samples,', 'two prompts.', '--db', db])).stdout).toBe('Noted on experiment 2.\n');
    expect((await cli(['tag', '2', '+pilot', 'paired', '--db', db])).stdout).toBe('paired pilot\n');
    expect((await cli(['tag', '2', '-pilot', '--db', db])).stdout).toBe('paired\n');
    expect((await cli(['note', '2', '--db', db])).stdout).toBe('Same samples, two prompts.\n');
    const { stdout } = await cli(['show', '2', '--db', db]);
    expect(stdout).toContain('  tags       paired\n  notes\n    Same samples, two prompts.\n');
    // The two runs read the same file: only the prompt sets them apart.
    expect(stdout).toMatch(/#1\s+histopathology\s+histopathology\s+histopathology\s+.*completed\s+prompt histopathology, strategy histopathology\n/);
    expect(stdout).toMatch(/#2\s+radiology\s+histopathology\s+radiology\s+.*completed\s+prompt radiology, strategy radiology\n/);
    expect((await json<Array<{ id: number }>>(['history', '--json', '--search', 'two prompts'])).map((item) => item.id)).toEqual([2]);
    expect((await json<Array<{ id: number; tags: string[] }>>(['history', '--json', '--search', 'PAIRED']))[0]).toMatchObject({ id: 2, tags: ['paired'] });
    expect((await cli(['history', '--search', 'paired', '--db', db])).stdout).toMatch(/completed\s+paired\n$/);
    expect(await cliError(['tag', '2', '+two words', '--db', db])).toContain('tag "two words" is not valid');
    expect((await cli(['note', '2', '--clear', '--db', db])).stdout).toBe('Cleared the notes of experiment 2.\n');
    expect((await cli(['note', '2', '--db', db])).stdout).toBe('Experiment 2 has no notes.\n');
  });
});

describe('import and delete', () => {
  it('imports a file once, and refuses a missing file and one that is not JSON', async () => {
    const again = await cli(['import', COTLAB_RESULTS, '--db', db]);
    expect(again.stdout).toBe(`${COTLAB_RESULTS} is already in the history as experiment 4; nothing was changed.\n`);
    const missing = work.path('missing.json');
    expect(await cliError(['import', missing, '--db', db])).toBe(`Cannot import ${missing}: the file does not exist.`);
    const broken = work.path('broken.json');
    writeFileSync(broken, '{"metadata": ');
    expect(await cliError(['import', broken, '--db', db])).toMatch(new RegExp(`^Cannot import ${broken}: it is not valid JSON \\(.+\\)\\.$`));
    const notCotlab = work.path('other.json');
    writeFileSync(notCotlab, '{"experiment": "activation_compare"}');
    expect(await cliError(['import', notCotlab, '--db', db])).toBe(
      `Cannot import ${notCotlab} as a CoTLab activation_compare results.json: metadata: Invalid input: expected object, received undefined.`,
    );
  });

  it('deletes an experiment with everything it holds', async () => {
    const { stdout } = await cli(['delete', '3', '--db', db]);
    expect(stdout).toMatch(/^Deleted experiment 3 \(activation_compare, histopathology, radiology, started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)\.\n$/);
    expect((await json<Array<{ id: number }>>(['history', '--json'])).map((item) => item.id)).toEqual([2, 1, 4]);
    expect(await cliError(['delete', '3', '--db', db])).toContain('no experiment "3"');
  });
});

describe('the cotlab-wb executable', () => {
  it('reads the history named by $COTLAB_WB_DB, and reports errors as one line with exit status 1', async () => {
    const listed = await spawnCli(['history', '--json'], { COTLAB_WB_DB: db });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: number }>).map((item) => item.id)).toEqual([2, 1, 4]);
    const failed = await spawnCli(['show', '99', '--db', db]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(
      `cotlab-wb: error: Could not find experiment "99" (history database ${db}): the requested item is not in the history (no experiment "99").\n`,
    );
  });
});

describe('the model fingerprint', () => {
  it('is the sha256 of model.onnx', async () => {
    const shown = await json<{ modelHash: string; modelDir: string }>(['show', '1', '--json']);
    expect(shown.modelHash).toBe(sha256OfFile(join(shown.modelDir, 'model.onnx')));
  });
});
