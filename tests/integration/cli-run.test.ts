import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel } from '../../scripts/demo-model/index.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

interface ResultsJson {
  metrics: { num_runs: number; num_layers: number; pair_count: number; pooling: string };
  raw_outputs: {
    runs: { name: string; num_samples: number; layer_indices: number[]; mean_activation_norms: number[]; sample_indices: number[] }[];
    comparisons: { run_a: string; run_b: string; layer_cosine_similarity: number[]; layer_l2_distance: number[] }[];
  }[];
  capture: { hook: string; hook_names: string[]; demo_model: boolean; execution_provider: string; runtime: Record<string, unknown> };
}

const readResults = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ResultsJson;

describe('cotlab-wb run on the demo model and bundled data', () => {
  let temp: TempDir;
  let scratch: string;
  let modelDir: string;
  let outDir: string;
  let results: ResultsJson;

  beforeAll(() => {
    temp = makeTempDir('cli-run');
    scratch = temp.dir;
    modelDir = path.join(scratch, 'model');
    buildDemoModel(modelDir, { numHiddenLayers: 4 });
    outDir = path.join(scratch, 'out');
    const run = runCli(
      ['run', 'experiment.num_samples=5', 'experiment.seed=123', `model.path=${modelDir}`, '--out', outDir, '--no-progress'],
      scratch,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(outDir);
    results = readResults(outDir);
  });

  afterAll(() => temp.remove());

  it('captures every decoder layer of the model and compares the two reference variants', () => {
    expect(results.metrics).toMatchObject({ num_runs: 2, num_layers: 4, pair_count: 1, pooling: 'mean' });
    const [histopathology, radiology] = results.raw_outputs[0]!.runs;
    expect(histopathology!.name).toBe('histopathology');
    expect(radiology!.name).toBe('radiology');
    expect(histopathology!.layer_indices).toEqual([0, 1, 2, 3]);
    expect(results.capture.hook_names).toEqual([0, 1, 2, 3].map((layer) => `blocks.${layer}.hook_resid_post`));
    expect(results.capture.demo_model).toBe(true);
    expect(results.capture.execution_provider).toBe('cpu');
    const comparison = results.raw_outputs[0]!.comparisons[0]!;
    expect(comparison.layer_cosine_similarity).toHaveLength(4);
    for (const cosine of comparison.layer_cosine_similarity) expect(Math.abs(cosine)).toBeLessThanOrEqual(1);
    for (const norm of histopathology!.mean_activation_norms) expect(norm).toBeGreaterThan(0);
  });

  it('draws the samples CPython draws: random.seed(123); random.sample(range(n), 5)', () => {
    // python3 -c "import random; random.seed(123); print(random.sample(range(78), 5))" (78 bundled HARE samples)
    expect(results.raw_outputs[0]!.runs[0]!.sample_indices).toEqual([6, 34, 11, 52, 13]);
    // the same for the 60 bundled radiology reports
    expect(results.raw_outputs[0]!.runs[1]!.sample_indices).toEqual([3, 17, 5, 49, 26]);
  });

  it('writes an EXPERIMENT.md whose Reproduce command gives the same numbers', () => {
    const markdown = readFileSync(path.join(outDir, 'EXPERIMENT.md'), 'utf8');
    const block = /## Reproduce\n\n```bash\n([\s\S]*?)\n\n/.exec(markdown)?.[1];
    expect(block).toBeDefined();
    const args = block!
      .split(' \\\n')
      .map((part) => part.trim())
      .slice(1)
      .map((arg) => arg.replace(/^'(.*)'$/, '$1'));
    expect(block!.startsWith('npx cotlab-wb run')).toBe(true);
    expect(args).toContain(`model.path=${modelDir}`);
    const again = path.join(scratch, 'again');
    const run = runCli(['run', ...args, '--out', again, '--no-progress'], scratch);
    expect(run.status).toBe(0);
    expect(readResults(again).raw_outputs).toEqual(results.raw_outputs);
  });

  it('re-runs a saved config.json with the same numbers', () => {
    const again = path.join(scratch, 'from-config');
    const run = runCli(['run', '--config', path.join(outDir, 'config.json'), '--out', again, '--no-progress'], scratch);
    expect(run.status).toBe(0);
    expect(readResults(again).raw_outputs).toEqual(results.raw_outputs);
  });

  it('gives the same numbers with batched forward passes (backend.batch_size=3), and records the runtime', () => {
    const batchedOut = path.join(scratch, 'batched');
    const run = runCli(
      ['run', 'experiment.num_samples=5', 'experiment.seed=123', 'backend.batch_size=3', `model.path=${modelDir}`, '--out', batchedOut, '--no-progress'],
      scratch,
    );
    expect(run.status).toBe(0);
    const batched = readResults(batchedOut);
    expect(batched.capture.runtime).toMatchObject({ batch_size: 3, export_style: 'optimum', dtype: 'float32' });
    const close = (actual: number[], expected: number[]) =>
      actual.forEach((value, at) => expect(Math.abs(value - (expected[at] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[at] as number))));
    const [plainRuns, batchedRuns] = [results.raw_outputs[0]!.runs, batched.raw_outputs[0]!.runs];
    plainRuns.forEach((plainRun, at) => close(batchedRuns[at]!.mean_activation_norms, plainRun.mean_activation_norms));
    close(batched.raw_outputs[0]!.comparisons[0]!.layer_l2_distance, results.raw_outputs[0]!.comparisons[0]!.layer_l2_distance);
    close(batched.raw_outputs[0]!.comparisons[0]!.layer_cosine_similarity, results.raw_outputs[0]!.comparisons[0]!.layer_cosine_similarity);
  });

  it('completes on CPU when CUDA is requested but unavailable, and says so in the log and the report', () => {
    const cudaOut = path.join(scratch, 'cuda-requested');
    const run = runCli(['run', 'experiment.num_samples=1', 'backend.device=cuda', `model.path=${modelDir}`, '--out', cudaOut, '--no-progress'], scratch);
    expect(run.status).toBe(0);
    const report = readResults(cudaOut);
    if (report.capture.execution_provider === 'cuda') return; // a machine with a working CUDA provider
    expect(report.capture.execution_provider).toBe('cpu');
    expect(run.stderr).toMatch(/CUDA was requested but could not start .*running on CPU instead/);
    expect(readFileSync(path.join(cudaOut, 'EXPERIMENT.md'), 'utf8')).toMatch(/\*\*Execution provider:\*\* CPU \(CUDA was requested but could not start/);
  });

  it('captures CoTLab’s point instead when experiment.hook=cotlab, and says so', () => {
    const cotlabOut = path.join(scratch, 'cotlab-hook');
    const run = runCli(
      ['run', 'experiment.num_samples=2', 'experiment.hook=cotlab', `model.path=${modelDir}`, '--out', cotlabOut, '--no-progress'],
      scratch,
    );
    expect(run.status).toBe(0);
    const cotlab = readResults(cotlabOut);
    expect(cotlab.capture.hook).toBe('cotlab');
    expect(cotlab.capture.hook_names[0]).toBe('blocks.0.hook_cotlab');
    expect(readFileSync(path.join(cotlabOut, 'EXPERIMENT.md'), 'utf8')).toContain('post_feedforward_layernorm');
  });
});
