import { existsSync } from 'node:fs';
import path from 'node:path';
import { RootConfigSchema, type ResolvedConfig } from '../config/schemas.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail, RunRecord } from '../store/types.js';
import type { StoredSampleVectors } from './activation-compare.js';
import { sha256File } from './file-hash.js';
import { ResumeError } from './history-errors.js';
import type { PlannedRun } from './plan.js';
import { ExperimentRecorder, newRunOf } from './record-to-store.js';
import {
  datasetHashesOf,
  defaultOutputDirFor,
  logModel,
  logRuns,
  openJobModel,
  prepareJob,
  type JobContext,
  type PreparedJob,
} from './prepare-job.js';
import { writeJobReport } from './report-files.js';
import { requireCompletedWorkbench, storedAnalyses, storedReportInput } from './report-from-store.js';
import { executeJob, takeReportFolder, type JobHooks, type JobResult } from './run-job.js';

function sameList(a: readonly number[], b: readonly number[] | null): boolean {
  return b !== null && a.length === b.length && a.every((value, i) => b[i] === value);
}

/** Only an interrupted or failed experiment of this workbench that kept every vector can be continued. */
function checkResumable(experiment: ExperimentDetail): ResolvedConfig {
  const refuse: (problem: string) => never = (problem) => {
    throw new ResumeError(experiment.id, problem);
  };
  if (experiment.source !== 'workbench') refuse('it was imported from a CoTLab results.json, so there is nothing to run');
  if (experiment.cluster?.kind === 'shard') {
    refuse(`it is shard ${experiment.cluster.shard_index} of a cluster plan; continue it with \`cotlab-wb shard PLAN_DIR --index ${experiment.cluster.shard_index}\``);
  }
  if (experiment.status === 'running') {
    refuse(`it is still running (process ${experiment.writerPid ?? '?'} on ${experiment.writerHost ?? '?'})`);
  }
  if (experiment.vectorPolicy !== 'all') {
    const kept = experiment.vectorPolicy === 'means' ? 'run means only' : `the vectors of layers ${experiment.vectorPolicy.layers.join(', ')} only`;
    refuse(`it kept ${kept} (--store-vectors), so the samples done so far cannot be reused; run it again instead`);
  }
  const config = RootConfigSchema.safeParse(experiment.config);
  if (!config.success) {
    const issue = config.error.issues[0];
    refuse(`its stored configuration is not valid for this version (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
  }
  return config.data as ResolvedConfig;
}

/** The re-planned job must be the stored one: same runs, samples, layers and dataset files. */
function checkSamePlan(experiment: ExperimentDetail, job: PreparedJob, datasetHashes: readonly string[]): void {
  const refuse: (problem: string) => never = (problem) => {
    throw new ResumeError(experiment.id, problem);
  };
  experiment.runs.forEach((stored, index) => {
    const planned: PlannedRun | undefined = job.runs[index];
    if (planned === undefined || planned.name !== stored.name) {
      refuse(`its run ${index} "${stored.name}" is no longer part of the plan (the configuration files changed)`);
    }
    if (stored.datasetHash !== null && stored.datasetHash !== datasetHashes[index]) {
      refuse(`the dataset file ${planned.dataset.path} of run "${stored.name}" changed since the experiment started`);
    }
    if (!sameList(planned.sampleIndices, stored.sampleIndices)) {
      refuse(`run "${stored.name}" would now draw different samples (the dataset or sampling changed)`);
    }
    if (!sameList(job.layers, stored.layerIndices)) {
      refuse(`it captured layers ${stored.layerIndices.join(', ')}, but the model now yields layers ${job.layers.join(', ')}`);
    }
  });
}

/** Every stored sample of a run with its vectors (all layers), by position. */
function storedSamplesOf(store: HistoryStore, run: RunRecord): Map<number, StoredSampleVectors> {
  const samples = store.getRunSamples(run.id);
  const byLayer = run.layerIndices.map((layer) => store.getRunVectors(run.id, layer));
  return new Map(
    samples.map((sample, row) => [
      sample.position,
      { pooled: byLayer.map((vectors) => vectors[row] as Float32Array), truncated: sample.truncated },
    ]),
  );
}

/**
 * Continues an interrupted experiment from its next sample: the stored samples are fed back instead of being
 * computed again, so the finished experiment holds exactly what an uninterrupted run would have produced.
 * `context.outDir` null: the report goes to the folder chosen when the experiment started.
 */
export async function resumeJob(
  store: HistoryStore,
  experimentId: number,
  context: JobContext,
  hooks: JobHooks = {},
): Promise<JobResult> {
  const sessionStart = new Date();
  const log = context.log ?? (() => undefined);
  const experiment = store.getExperiment(experimentId);
  if (experiment.status === 'completed' && experiment.source === 'workbench') return rewriteReport(store, experiment, context);
  const config = checkResumable(experiment);
  const job = await prepareJob(config, context);
  logRuns(job.runs, log);
  const datasetHashes = await datasetHashesOf(job.runs);
  checkSamePlan(experiment, job, datasetHashes);
  if (experiment.modelHash !== (await sha256File(job.modelDir.graphPath))) {
    throw new ResumeError(experimentId, `the model file ${job.modelDir.graphPath} changed since the experiment started`);
  }
  const startTime = new Date(experiment.startedAt);
  const outputDir = await takeReportFolder(context, experiment.outputDir, () => defaultOutputDirFor(config, context.outputRoot, startTime));
  const host = await openJobModel(job, context.cacheDir);
  try {
    logModel(host, config, log);
    store.resumeExperiment(experimentId);
    // An experiment killed while its runs were being created lacks the last ones.
    const runIds = job.runs.map(
      (run) =>
        experiment.runs[run.index]?.id ??
        store.createRun(experimentId, newRunOf(run, datasetHashes[run.index] ?? null, host.layers)),
    );
    const stored = experiment.runs.map((run) => storedSamplesOf(store, run));
    const storedCount = stored.reduce((sum, samples) => sum + samples.size, 0);
    log(`history: resuming experiment ${experimentId} in ${store.dbPath} after ${storedCount} stored samples`);
    const completedRuns = new Set(experiment.runs.filter((run) => run.status === 'completed').map((run) => run.runIndex));
    return await executeJob(job, host, context, hooks, {
      recorder: ExperimentRecorder.resume(store, experimentId, runIds, completedRuns),
      datasetHashes,
      startTime,
      sessionStart,
      previousDurationS: experiment.durationS ?? 0,
      outputDir,
      storedSample: (runIndex, position) => stored[runIndex]?.get(position) ?? null,
    });
  } finally {
    await host.dispose();
  }
}

/**
 * `resume` of a completed experiment: its report folder written from the history, with nothing computed again,
 * into `--out` when given, else into its own folder when its report failed or the folder no longer holds its
 * results.json. A report that is where it should be is left alone (export writes copies).
 */
async function rewriteReport(store: HistoryStore, experiment: ExperimentDetail, context: JobContext): Promise<JobResult> {
  const config = requireCompletedWorkbench(experiment, 'a report folder');
  const own = experiment.outputDir;
  if (context.outDir === null && experiment.error === null && own !== null && existsSync(path.join(own, 'results.json'))) {
    throw new ResumeError(experiment.id, `it has already completed and its report is in ${own} (give --out DIR to write it again elsewhere)`);
  }
  const folder = await takeReportFolder(context, own, () => defaultOutputDirFor(config, context.outputRoot, new Date(experiment.startedAt)));
  const report = storedReportInput(store, experiment, 'a report folder', context.configDir);
  const analyses = storedAnalyses(store, experiment, report.comparisons);
  const paths = await writeJobReport(folder, report, analyses);
  store.recordReportWritten(experiment.id, folder);
  context.log?.(`history: the report of experiment ${experiment.id} written from the history, nothing computed again`);
  return { outputDir: folder, paths, report, analyses, experimentId: experiment.id };
}
