import path from 'node:path';
import type { PairAnalysis } from '../analytics/divergence.js';
import { reproduceOverrides } from '../config/reproduce.js';
import type { ResolvedConfig } from '../config/schemas.js';
import { toYaml } from '../config/to-yaml.js';
import { resolveVariants } from '../config/variants.js';
import { labelDistribution } from '../datasets/load-dataset.js';
import { inspectModelDir, type ModelDirectory } from '../model/model-dir.js';
import { HOOK_POINT_DESCRIPTIONS } from '../model/hook-points.js';
import { openModelHost, type ModelHost } from '../model/model-host.js';
import type { HookPoint } from '../model/types.js';
import { defaultOutputDir } from '../report/output-dir.js';
import type { ReportInput, RunStatus, VariantLine } from '../report/types.js';
import type { ReportPaths } from '../report/write-report.js';
import type { HistoryStore } from '../store/history-store.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { executeActivationCompare, type ActivationCompareOutcome, type ExecuteHooks } from './activation-compare.js';
import { analyseRunPairs } from './analyse.js';
import { ExperimentCancelledError, ExperimentError } from './errors.js';
import { sha256File } from './file-hash.js';
import { ExperimentInterruptedError } from './history-errors.js';
import { selectLayers } from './layer-selection.js';
import { pairsFor } from './metrics.js';
import { planRuns, type PlannedRun } from './plan.js';
import { runtimeRecordOf } from './runtime-record.js';
import { ExperimentRecorder } from './record-to-store.js';
import { writeJobReport } from './report-files.js';
import { SampleVectorCollector } from './sample-vector-collector.js';

export interface JobContext {
  /** configs/ directory (group options, prompt strategies); reproduce commands are computed against it. */
  configDir: string;
  /** Relative dataset and model paths in the config resolve against this directory. */
  dataRoot: string;
  /** Where edited capture graphs are cached. */
  cacheDir: string;
  /** Root under which the default outputs/YYYY-MM-DD/... folder is created. */
  outputRoot: string;
  /** Explicit output folder (`--out`); null: CoTLab's naming under outputRoot. */
  outDir: string | null;
  appVersion: string;
  /** Progress lines for people (dataset summaries, execution provider). */
  log?: (line: string) => void;
}

export interface JobResult {
  outputDir: string;
  paths: ReportPaths;
  report: ReportInput;
  outcome: ActivationCompareOutcome;
  /** One analysis per compared pair, in comparison order. */
  analyses: PairAnalysis[];
  /** The experiment's id in the history; null when the job was not recorded. */
  experimentId: number | null;
}

/** Progress and cancellation of a job (sample storage and resume are the job's own business). */
export interface JobHooks extends Pick<ExecuteHooks, 'onProgress' | 'signal'> {
  /** Called once a recorded job's experiment exists in the history, before its first sample (a UI can then link to it). */
  onExperimentCreated?: (experimentId: number) => void;
}

/** Where and how a job is recorded in the experiment history. */
export interface JobHistory {
  store: HistoryStore;
  vectorPolicy: VectorPolicy;
}

export const HOOK_DESCRIPTIONS: Readonly<Record<HookPoint, string>> = HOOK_POINT_DESCRIPTIONS;

/** The plan half of a job: data loaded, samples chosen, model directory checked, layers chosen. */
export interface PreparedJob {
  config: ResolvedConfig;
  runs: PlannedRun[];
  modelDir: ModelDirectory;
  layers: number[];
}

export function prepareJob(config: ResolvedConfig, context: JobContext): PreparedJob {
  const runs = planRuns(config, { dataRoot: context.dataRoot, configDir: context.configDir });
  const modelDir = inspectModelDir(path.resolve(context.dataRoot, config.model.path));
  const layers = selectLayers(modelDir.config.numLayers, config.experiment.layers, config.experiment.layer_stride);
  return { config, runs, modelDir, layers };
}

export async function openJobModel(job: PreparedJob, cacheDir: string): Promise<ModelHost> {
  const { config } = job;
  return openModelHost({
    modelDir: job.modelDir.dir,
    hook: config.experiment.hook,
    layers: job.layers,
    pooling: config.experiment.pooling,
    device: config.backend.device,
    deviceId: config.backend.device_id,
    intraOpThreads: config.backend.intra_op_threads,
    interOpThreads: config.backend.inter_op_threads,
    cacheDir,
    hookMap: config.model.hook_map,
    batchSize: config.backend.batch_size,
  });
}

/**
 * Runs one activation_compare job end to end and writes its report folder; with `history`, records it as it goes
 * (experiment, runs, every sample, means, comparisons with analytics, final status).
 */
export async function runJob(
  config: ResolvedConfig,
  context: JobContext,
  hooks: JobHooks = {},
  history: JobHistory | null = null,
): Promise<JobResult> {
  const startTime = new Date();
  const log = context.log ?? (() => undefined);
  const job = prepareJob(config, context);
  logRuns(job.runs, log);
  const vectorPolicy = history === null ? null : checkedVectorPolicy(history.vectorPolicy, job.layers);
  const outputDir = context.outDir ?? defaultOutputDirFor(config, context.outputRoot, startTime);
  const datasetHashes = await datasetHashesOf(job.runs);
  const modelHash = history === null ? null : await sha256File(job.modelDir.graphPath);
  const host = await openJobModel(job, context.cacheDir);
  try {
    logModel(host, config, log);
    let recorder: ExperimentRecorder | null = null;
    if (history !== null && vectorPolicy !== null && modelHash !== null) {
      recorder = ExperimentRecorder.start(history.store, {
        config,
        runs: job.runs,
        host,
        modelDir: job.modelDir.dir,
        demoModel: isDemoModel(job.modelDir),
        modelHash,
        datasetHashes,
        vectorPolicy,
        appVersion: context.appVersion,
        outputDir,
        startedAt: startTime,
      });
      log(`history: experiment ${recorder.experimentId} in ${history.store.dbPath}`);
      hooks.onExperimentCreated?.(recorder.experimentId);
    }
    return await executeJob(job, host, context, hooks, {
      recorder,
      datasetHashes,
      startTime,
      sessionStart: startTime,
      previousDurationS: 0,
      outputDir,
      storedSample: () => null,
    });
  } finally {
    await host.dispose();
  }
}

/** How one process executes a (new or resumed) job. */
export interface JobExecution {
  recorder: ExperimentRecorder | null;
  /** sha256 of each run's dataset file (pairing of runs is decided by them). */
  datasetHashes: readonly string[];
  /** When the experiment first started. */
  startTime: Date;
  /** When this process took it up (the same as startTime unless resumed). */
  sessionStart: Date;
  /** Time spent by earlier, interrupted processes. */
  previousDurationS: number;
  outputDir: string;
  storedSample: NonNullable<ExecuteHooks['storedSample']>;
}

/**
 * The loop, analytics, history records and report of a job whose model is open. A failure or cancellation is
 * recorded as the experiment's final status (a cancellation is rethrown as ExperimentInterruptedError).
 */
export async function executeJob(
  job: PreparedJob,
  host: ModelHost,
  context: JobContext,
  hooks: JobHooks,
  execution: JobExecution,
): Promise<JobResult> {
  const { config } = job;
  const { recorder } = execution;
  const collector = new SampleVectorCollector(job.runs);
  const loopStart = performance.now();
  const sessionDuration = () => (Date.now() - execution.sessionStart.getTime()) / 1000;
  try {
    const outcome = await executeActivationCompare(host, job.runs, config.experiment, {
      onProgress: hooks.onProgress,
      signal: hooks.signal,
      onSample: (captured) => {
        recorder?.recordSample(captured);
        collector.add(captured.runIndex, captured.position, captured.pooled);
      },
      storedSample: (runIndex, position) => {
        const stored = execution.storedSample(runIndex, position);
        if (stored !== null) collector.add(runIndex, position, stored.pooled);
        return stored;
      },
    });
    const analyses =
      job.runs.length < 2
        ? []
        : analyseRunPairs(
            collector.analysedRuns(host.layers.length, execution.datasetHashes),
            pairsFor(
              job.runs.map((run) => run.name),
              config.experiment.comparison_mode,
            ),
            host.layers,
            config.experiment.seed,
          );
    recorder?.recordOutcome(outcome, analyses);
    const endTime = new Date();
    const durationS = execution.previousDurationS + sessionDuration();
    const report = buildReportInput(job, host, outcome, context, {
      startTime: execution.startTime,
      endTime,
      durationSeconds: durationS,
      runDurationSeconds: execution.previousDurationS + (performance.now() - loopStart) / 1000,
      status: 'Completed',
    });
    const paths = await writeJobReport(execution.outputDir, report, analyses);
    recorder?.finish({ status: 'completed', endedAt: endTime, durationS, outputDir: execution.outputDir });
    return { outputDir: execution.outputDir, paths, report, outcome, analyses, experimentId: recorder?.experimentId ?? null };
  } catch (error) {
    if (recorder === null) throw error;
    const cancelled = error instanceof ExperimentCancelledError;
    try {
      recorder.finish({
        status: cancelled ? 'interrupted' : 'failed',
        endedAt: new Date(),
        durationS: execution.previousDurationS + sessionDuration(),
        error: cancelled ? 'stopped on request' : error instanceof Error ? error.message : String(error),
      });
    } catch {
      // The history itself may be what failed (disk full); the next open marks the experiment interrupted.
    }
    if (cancelled) throw new ExperimentInterruptedError(recorder.experimentId, error.completedSamples, { cause: error });
    throw error;
  }
}

export function defaultOutputDirFor(config: ResolvedConfig, outputRoot: string, startTime: Date): string {
  return defaultOutputDir(
    outputRoot,
    startTime,
    config.experiment.name,
    config.model.safe_name,
    config.experiment.variants.map((variant) => variant.name),
    config.prompt.output_format,
    { promptName: config.prompt.name, datasetName: config.dataset.name },
  );
}

export interface Timing {
  startTime: Date;
  endTime: Date;
  /** Whole job, model load included; defaults to endTime − startTime. */
  durationSeconds?: number;
  runDurationSeconds: number;
  status: RunStatus;
}

export function buildReportInput(
  job: PreparedJob,
  host: ModelHost,
  outcome: ActivationCompareOutcome,
  context: JobContext,
  timing: Timing,
): ReportInput {
  const { config } = job;
  return assembleReportInput(config, context, timing, {
    metrics: outcome.metrics,
    runs: outcome.runs,
    runTimestamps: outcome.runTimestamps,
    comparisons: outcome.comparisons,
    sampleLog: outcome.sampleLog,
    capture: {
      hook: config.experiment.hook,
      hook_names: host.hookNames,
      hook_description: HOOK_DESCRIPTIONS[config.experiment.hook],
      execution_provider: host.info.executionProvider,
      execution_provider_note: host.info.executionProviderNote,
      runtime: runtimeRecordOf(host.info),
      model_dir: host.info.dir,
      model_type: host.info.modelType,
      demo_model: isDemoModel(job.modelDir),
      max_input_tokens: config.experiment.max_input_tokens,
      truncated_samples: outcome.truncatedSamples,
      answer_cue: config.experiment.answer_cue,
    },
  });
}

/** The measured parts of a report, from a run just made or rebuilt from the history. */
export type ReportResults = Pick<ReportInput, 'metrics' | 'runs' | 'runTimestamps' | 'comparisons' | 'sampleLog' | 'capture'>;

/** A report's input: the measured parts plus everything that follows from the config. */
export function assembleReportInput(
  config: ResolvedConfig,
  context: Pick<JobContext, 'configDir' | 'appVersion'>,
  timing: Timing,
  results: ReportResults,
): ReportInput {
  const variants: VariantLine[] =
    config.experiment.variants.length === 0
      ? []
      : resolveVariants(config).map((variant) => ({
          name: variant.name,
          dataset: variant.dataset.name,
          prompt: variant.prompt.name,
          num_samples: variant.num_samples,
          seed: variant.seed,
        }));
  return {
    config: config as unknown as Record<string, unknown>,
    experimentName: config.experiment.name,
    modelName: config.model.name,
    promptStrategyName: config.prompt.name,
    startTime: timing.startTime,
    endTime: timing.endTime,
    durationSeconds: timing.durationSeconds ?? (timing.endTime.getTime() - timing.startTime.getTime()) / 1000,
    runDurationSeconds: timing.runDurationSeconds,
    status: timing.status,
    ...results,
    reproduceCommand: ['run', ...reproduceOverrides(config, context.configDir)],
    configYaml: toYaml(config),
    variants,
    topPrompt: {
      name: config.prompt.name,
      few_shot: config.prompt.few_shot,
      answer_first: config.prompt.answer_first,
      contrarian: config.prompt.contrarian,
      output_format: config.prompt.output_format,
    },
    topDatasetName: config.dataset.name,
    appVersion: context.appVersion,
  };
}

/** The generated demo model marks itself in config.json so reports can say its weights are random. */
export function isDemoModel(modelDir: ModelDirectory): boolean {
  const demo = modelDir.config.raw['cotlab_demo'];
  return typeof demo === 'object' && demo !== null && (demo as { random_weights?: unknown }).random_weights === true;
}

/** The log lines of a job's runs: what each one reads, and a warning when its prompt was written for other data. */
export function logRuns(runs: readonly PlannedRun[], log: (line: string) => void): void {
  for (const run of runs) {
    log(describeRun(run));
    if (run.datasetWarning !== null) log(`variant ${run.name}: ${run.datasetWarning}`);
  }
}

/** One line per run for the log: the dataset, its label distribution and how many samples were drawn. */
function describeRun(run: PlannedRun): string {
  const labels = labelDistribution(run.dataset.samples)
    .map(({ label, count }) => `${label}: ${count}`)
    .join(', ');
  return `${run.name}: dataset ${run.dataset.name} (${run.dataset.samples.length} samples; labels ${labels}), ${run.sampleIndices.length} sampled with seed ${run.seed}, prompt ${run.prompt.name}`;
}

export function logModel(host: ModelHost, config: ResolvedConfig, log: (line: string) => void): void {
  log(`model: ${config.model.name} (${host.info.modelType}, ${host.info.numLayers} layers, hidden ${host.info.hiddenSize}) on ${host.info.executionProvider.toUpperCase()}`);
  if (host.info.executionProviderNote) log(`execution provider: ${host.info.executionProviderNote}`);
  for (const notice of host.info.notices) log(`model: ${notice}`);
}

/** sha256 of each run's dataset file, hashing a file shared by several runs once. */
export async function datasetHashesOf(runs: readonly PlannedRun[]): Promise<string[]> {
  const byPath = new Map<string, Promise<string>>();
  return Promise.all(
    runs.map((run) => {
      let hash = byPath.get(run.dataset.path);
      if (hash === undefined) {
        hash = sha256File(run.dataset.path);
        byPath.set(run.dataset.path, hash);
      }
      return hash;
    }),
  );
}

/** A layer list in the vector policy must name captured layers, or nothing would be stored for it. */
function checkedVectorPolicy(policy: VectorPolicy, capturedLayers: readonly number[]): VectorPolicy {
  if (typeof policy === 'string') return policy;
  const missing = policy.layers.filter((layer) => !capturedLayers.includes(layer));
  if (missing.length > 0) {
    throw new ExperimentError(
      `--store-vectors names layer ${missing.join(', ')}, which this experiment does not capture (captured: ${capturedLayers.join(', ')})`,
      'store-vectors',
    );
  }
  return policy;
}
