import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/store/open-store.js';
import { committedSamples, spawnCli } from '../fixtures/cli-history/cli.js';
import { CLI_BIN } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/**
 * Three variants: the radiology data under the standard and the contrarian prompt (the same samples: McNemar's
 * test applies) and the histopathology data. The demo model's weights are random, so its own words are never an
 * answer; the answer cue opens a JSON answer (`{"pathological_fracture": true}`), which the reader takes with the
 * generated text. Radiology answers are then read as true (scored), histopathology ones lack their field.
 */
const SAMPLES = 5;
const CUE = '\n{"pathological_fracture": true}\n';
const RUN_ARGS = [
  'experiment=classification',
  `experiment.num_samples=${SAMPLES}`,
  'experiment.generation.max_new_tokens=4',
  'experiment.bootstrap_resamples=200',
  `experiment.answer_cue=${JSON.stringify(CUE)}`,
  'experiment.variants=[{name: standard, dataset: radiology, prompt: radiology}, {name: contrarian, dataset: radiology, prompt: radiology}, {name: histopathology, dataset: histopathology, prompt: histopathology}]',
  'experiment.variants.1.prompt.contrarian=true',
  '--no-progress',
];

let work: TempDir;
let child: ChildProcess | null = null;

beforeAll(() => {
  work = makeTempDir('cli-classification');
});
afterEach(() => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
});
afterAll(() => work.remove());

interface Results {
  experiment: string;
  metrics: Record<string, unknown>;
  samples: Record<string, unknown>[];
  classification: {
    variants: { run: string; samples: number; scored: number; accuracy: { value: number | null; ci: { low: number; high: number } | null }; parse_failures: Record<string, number>; confusion: number[][] }[];
    mcnemar: { run_a: string; run_b: string; not_tested: string | null; p_value: number; paired_samples: number }[];
  };
}

const readResults = (dir: string): Results => JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as Results;

async function killAfter(args: readonly string[], dbPath: string, threshold: number): Promise<boolean> {
  const process_ = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child = process_;
  let stderr = '';
  process_.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => process_.on('exit', (code, signal) => resolve({ code, signal })));
  let finished: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((result) => (finished = result));
  while (finished === null && committedSamples(dbPath) < threshold) await new Promise((resolve) => setTimeout(resolve, 10));
  if (finished === null) process_.kill('SIGKILL');
  const result = await exited;
  if (result.signal !== 'SIGKILL' && result.code !== 0) throw new Error(`cotlab-wb ${args.join(' ')} failed: ${stderr}`);
  return result.signal === 'SIGKILL';
}

describe('cotlab-wb run experiment=classification', () => {
  let uninterrupted: string;

  it('generates, reads and scores every answer, and reports per-variant metrics with intervals and McNemar', async () => {
    uninterrupted = work.path('a');
    const run = await spawnCli(['run', ...RUN_ARGS, '--out', uninterrupted, '--db', work.path('a.sqlite')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(uninterrupted);
    expect(run.stderr).toMatch(/standard: accuracy \d+\.\d% \[\d+\.\d%, \d+\.\d%\] over 5 scored of 5 samples, 0 answers unreadable/);
    expect(run.stderr).toMatch(/histopathology: accuracy – over 0 scored of 5 samples, 5 answers unreadable/);
    const results = readResults(uninterrupted);
    expect(results.experiment).toBe('classification');
    const [standard, contrarian, histopathology] = results.classification.variants;
    // Every radiology answer reads as true: accuracy is the share of true labels among the drawn samples.
    const trueShare = results.samples.filter((sample) => sample['run'] === 'standard' && sample['ground_truth'] === true).length / SAMPLES;
    expect(standard).toMatchObject({ samples: SAMPLES, scored: SAMPLES });
    expect(standard!.accuracy.value).toBeCloseTo(trueShare, 12);
    expect(standard!.accuracy.ci!.low).toBeLessThanOrEqual(trueShare);
    expect(standard!.accuracy.ci!.high).toBeGreaterThanOrEqual(trueShare);
    expect(contrarian!.accuracy.value).toBeCloseTo(trueShare, 12);
    expect(histopathology).toMatchObject({ scored: 0, parse_failures: { missing_field: SAMPLES } });
    expect(histopathology!.accuracy.value).toBeNull();
    const sameSamples = results.classification.mcnemar.find((test) => test.run_a === 'standard' && test.run_b === 'contrarian');
    expect(sameSamples).toMatchObject({ not_tested: null, paired_samples: SAMPLES, p_value: 1 });
    expect(results.classification.mcnemar.find((test) => test.run_b === 'histopathology')?.not_tested).toMatch(/same samples/);
    // CoTLab's per-sample fields, plus how each answer was read.
    expect(results.samples[0]).toMatchObject({ predicted: true, correct: expect.any(Boolean), parse_status: 'parsed', stop_reason: 'max_new_tokens' });
    expect(results.samples.find((sample) => sample['run'] === 'histopathology')).toMatchObject({ parse_status: 'missing_field', correct: null, predicted_class: null });

    const markdown = readFileSync(path.join(uninterrupted, 'EXPERIMENT.md'), 'utf8');
    expect(markdown).toContain('| Variant | Scored / samples | Accuracy | Balanced accuracy | Macro-F1 | Parse failures |');
    expect(markdown).toMatch(/\| standard \| 5 \/ 5 \| \d+\.\d% \[\d+\.\d, \d+\.\d\] \|/);
    expect(markdown).toContain("## Between variants (McNemar's exact test)");
    const html = readFileSync(path.join(uninterrupted, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Scores per variant</h2>');
    for (const file of ['config.json', 'answers.csv', 'metrics.csv']) expect(existsSync(path.join(uninterrupted, file))).toBe(true);
    expect(readFileSync(path.join(uninterrupted, 'metrics.csv'), 'utf8')).toMatch(/^run,metric,class,value,ci_low,ci_high\r\nstandard,accuracy,,/);

    // Notes and tags reach the reports rebuilt from the history.
    const db = ['--db', work.path('a.sqlite')];
    expect((await spawnCli(['note', '1', 'radiology answers read as true', ...db])).code).toBe(0);
    expect((await spawnCli(['tag', '1', '+pilot', ...db])).code).toBe(0);
    const exported = await spawnCli(['export', '1', '--format', 'md', ...db]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('## Notes\n\n**Tags:** `pilot`\n\nradiology answers read as true\n');
    const page = await spawnCli(['export', '1', '--format', 'html', ...db]);
    expect(page.stdout).toContain('<section data-section="notes"><h2>Notes</h2><p class="tags">Tags: <code>pilot</code></p>');
  });

  it('killed and resumed, ends with the answers and metrics of the uninterrupted run', async () => {
    const dbPath = work.path('b.sqlite');
    const resumed = work.path('b');
    expect(await killAfter(['run', ...RUN_ARGS, '--out', resumed, '--db', dbPath], dbPath, 4)).toBe(true);
    const db = new Database(dbPath, { readonly: true });
    const answered = (db.prepare('SELECT count(*) AS n FROM sample_answers').get() as { n: number }).n;
    const samples = (db.prepare('SELECT count(*) AS n FROM samples').get() as { n: number }).n;
    db.close();
    // Each sample is committed with its answer, or not at all.
    expect(answered).toBe(samples);
    expect(answered).toBeGreaterThanOrEqual(4);
    expect(answered).toBeLessThan(3 * SAMPLES);

    const finished = await spawnCli(['resume', '1', '--no-progress', '--db', dbPath]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stderr).toContain(`after ${answered} stored samples`);
    const expected = readResults(uninterrupted);
    const actual = readResults(resumed);
    expect(actual.classification).toEqual(expected.classification);
    expect(actual.samples).toEqual(expected.samples);
    const store = openHistoryStore(dbPath);
    try {
      expect(store.getExperiment(1)).toMatchObject({ status: 'completed', name: 'classification' });
      expect(store.getFindings(1, 'classification')).toEqual(expected.classification);
    } finally {
      store.close();
    }
  });
});
