import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { composeConfig } from '../../src/config/compose.js';
import { requireActivationCompare } from '../../src/config/schemas.js';
import { ReportNotWrittenError } from '../../src/experiments/history-errors.js';
import type { JobContext } from '../../src/experiments/prepare-job.js';
import { resumeJob } from '../../src/experiments/resume.js';
import { runJob } from '../../src/experiments/run-job.js';
import { jobContextFor } from '../../src/services/engine-options.js';
import type { HistoryStore } from '../../src/store/history-store.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { cli, cliError, QUICK_RUN, readResults } from '../fixtures/cli-history/cli.js';
import { repoRoot } from '../helpers/cli.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const CONFIG_DIR = path.join(repoRoot, 'configs');
const DEMO_MODEL = path.join(repoRoot, 'resources', 'demo-model');

let work: TempDir;

beforeAll(() => {
  work = makeTempDir('report-folders');
});

afterAll(() => work.remove());

/** A copy of the demo model that a test may break; `onnx: false` leaves model.onnx unreadable. */
function modelCopy(name: string, options: { onnx: boolean }): string {
  const dir = work.path(name);
  mkdirSync(dir);
  for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(DEMO_MODEL, file), path.join(dir, file));
  if (options.onnx) copyFileSync(path.join(DEMO_MODEL, 'model.onnx'), path.join(dir, 'model.onnx'));
  else writeFileSync(path.join(dir, 'model.onnx'), 'not an ONNX graph');
  return dir;
}

function quickConfig(...overrides: string[]) {
  return requireActivationCompare(composeConfig({ configDir: CONFIG_DIR, overrides: ['experiment.num_samples=3', ...overrides] }));
}

function context(scratch: string, changes: Partial<JobContext> = {}): JobContext {
  return { ...jobContextFor(scratchEngineOptions(scratch, 'test')), ...changes };
}

describe('runs started in the same second', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('each get a report folder of their own, and every one completes with its own report', async () => {
    const scratch = work.path('same-second');
    mkdirSync(scratch);
    // Every job reads the same clock second, as four runs started together do.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(2025, 4, 6, 7, 8, 9));
    const stores: HistoryStore[] = [1, 2, 3, 4].map(() => openHistoryStore(path.join(scratch, 'history.sqlite')));
    try {
      const results = await Promise.all(
        stores.map((store, at) => runJob(quickConfig(`experiment.seed=${at + 1}`), context(scratch), {}, { store, vectorPolicy: 'all' })),
      );
      const first = path.join(scratch, 'outputs', '2025-05-06', '07-08-09_activation_compare_demo_gemma3_tiny_histopathology_json_radiology');
      expect(results.map((result) => result.outputDir).sort()).toEqual([first, `${first}_2`, `${first}_3`, `${first}_4`]);
      for (const result of results) {
        const experiment = stores[0]?.getExperiment(result.experimentId as number);
        expect(experiment).toMatchObject({ status: 'completed', error: null, outputDir: result.outputDir });
        // The folder holds this experiment's report, not another's.
        const seed = (experiment?.config as { experiment: { seed: number } }).experiment.seed;
        expect(readResults(result.outputDir).metadata.config).toMatchObject({ experiment: { seed } });
        expect(readdirSync(result.outputDir).sort()).toEqual(['EXPERIMENT.md', 'config.json', 'results.json']);
      }
    } finally {
      for (const store of stores) store.close();
    }
  });
});

describe('--out onto a report folder', () => {
  it('is refused unless --force, recording nothing; with --force the report is replaced', async () => {
    const dbPath = work.path('force.sqlite');
    const out = work.path('force-report');
    await cli(['run', ...QUICK_RUN, '--out', out, '--db', dbPath]);
    const before = readFileSync(path.join(out, 'results.json'), 'utf8');
    expect(await cliError(['run', ...QUICK_RUN, 'experiment.seed=7', '--out', out, '--db', dbPath])).toBe(
      `Report folder ${out}: it already holds a report (EXPERIMENT.md, config.json, results.json); give another folder, or --force to overwrite it.`,
    );
    expect(readFileSync(path.join(out, 'results.json'), 'utf8')).toBe(before);
    expect(JSON.parse((await cli(['history', '--json', '--db', dbPath])).stdout)).toHaveLength(1);
    await cli(['run', ...QUICK_RUN, 'experiment.seed=7', '--out', out, '--force', '--db', dbPath]);
    expect(readResults(out).metadata.config).toMatchObject({ experiment: { seed: 7 } });
  });

  it('a folder without a report is used as it is', async () => {
    const out = work.path('empty-out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
    await cli(['run', ...QUICK_RUN, '--out', out, '--db', work.path('empty-out.sqlite')]);
    expect(readdirSync(out).sort()).toEqual(['EXPERIMENT.md', 'config.json', 'notes.txt', 'results.json']);
  });
});

describe('a report that cannot be written', () => {
  it('is found out before the model loads when --out is a file', async () => {
    const unloadable = modelCopy('unloadable-model', { onnx: false });
    const file = work.path('out-is-a-file');
    writeFileSync(file, 'a file\n');
    const dbPath = work.path('out-file.sqlite');
    expect(await cliError(['run', ...QUICK_RUN, `model.path=${unloadable}`, '--out', file, '--db', dbPath])).toBe(
      `Report folder ${file}: this path is a file, not a folder; give a folder for the report.`,
    );
    expect(JSON.parse((await cli(['history', '--json', '--db', dbPath])).stdout)).toEqual([]);
  });

  it('after compute leaves the experiment completed; export and resume write it from the history without the model', async () => {
    const scratch = work.path('late-failure');
    mkdirSync(scratch);
    const model = modelCopy('late-failure-model', { onnx: true });
    const config = quickConfig(`model.path=${model}`);
    const out = path.join(scratch, 'report');
    const store = openHistoryStore(path.join(scratch, 'history.sqlite'));
    try {
      // When the last sample is done, the report folder turns into a file: the report write fails, even for root.
      const hooks = {
        onProgress: (event: { done: number; total: number }) => {
          if (event.done !== event.total) return;
          rmSync(out, { recursive: true });
          writeFileSync(out, 'in the way\n');
        },
      };
      const failure = await runJob(config, context(scratch, { outDir: out }), hooks, { store, vectorPolicy: 'all' }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ReportNotWrittenError);
      const experimentId = (failure as ReportNotWrittenError).experimentId;
      const experiment = store.getExperiment(experimentId);
      expect(experiment).toMatchObject({ status: 'completed', outputDir: out });
      expect(experiment.error).toMatch(/^The report could not be written: Could not write the report file .*late-failure\/report: EEXIST/);
      expect(experiment.runs.map((run) => run.completedSamples)).toEqual([3, 3]);

      // The same numbers an undisturbed run of the same config reports.
      const reference = path.join(scratch, 'reference');
      await runJob(config, context(scratch, { outDir: reference }), {}, null);
      const expected = readResults(reference);

      const exported = path.join(scratch, 'exported.json');
      await cli(['export', String(experimentId), '--format', 'json', '--out', exported, '--db', store.dbPath]);
      const fromExport = JSON.parse(readFileSync(exported, 'utf8')) as typeof expected;
      expect(fromExport.raw_outputs).toEqual(expected.raw_outputs);
      expect(fromExport.divergence).toEqual(expected.divergence);

      // Nothing is computed again: the model is gone.
      rmSync(path.join(model, 'model.onnx'));
      rmSync(out);
      const rewritten = await resumeJob(store, experimentId, context(scratch));
      expect(rewritten.outputDir).toBe(out);
      const results = readResults(out);
      expect(results.raw_outputs).toEqual(expected.raw_outputs);
      expect(results.divergence).toEqual(expected.divergence);
      expect(existsSync(path.join(out, 'EXPERIMENT.md'))).toBe(true);
      expect(store.getExperiment(experimentId)).toMatchObject({ status: 'completed', error: null, outputDir: out });
      await expect(resumeJob(store, experimentId, context(scratch))).rejects.toThrow(
        `Cannot resume experiment ${experimentId}: it has already completed and its report is in ${out} (give --out DIR to write it again elsewhere).`,
      );
    } finally {
      store.close();
    }
  });
});
