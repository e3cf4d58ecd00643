import type { PairAnalysis } from '../analytics/divergence.js';
import type { ResolvedConfig } from '../config/schemas.js';
import type { ModelHost } from '../model/model-host.js';
import type { ReportInput } from '../report/types.js';
import type { ReportPaths } from '../report/write-report.js';
import type { HistoryStore } from '../store/history-store.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { sha256File } from './file-hash.js';
import { executeActivationCompare, type ActivationCompareOutcome, type ExecuteHooks } from './activation-compare.js';
import { analyseRunPairs, type AnalysedRun } from './analyse.js';
import { answerFindings } from '../analytics/answer-findings.js';
import { DEFAULT_ANALYSIS_OPTIONS } from '../analytics/divergence.js';
import type { AnswerRecord } from '../report/types.js';
import type { SampleAnswer } from '../results/answers.js';
import type { AnswerFindings } from '../results/classification.js';
import type { AnswerRecording } from './activation-compare.js';
import { answerScorer, type AnswerScorer } from './answer-scoring.js';
import { answerSplits } from './answer-split.js';
import { claimReportFolder, createUniqueReportFolder, probeReportFolder } from '../report/report-folder.js';
import { ReportNotWrittenError } from './history-errors.js';
import { buildReportInput } from './job-report.js';
import { pairsFor } from './metrics.js';
import { findingsOfPairs, perLayerComparisons } from './pair-findings.js';
import {
  checkedVectorPolicy,
  datasetHashesOf,
  defaultOutputDirFor,
  isDemoModel,
  logModel,
  logRuns,
  openJobModel,
  prepareJob,
  refuseDryRun,
  type JobContext,
  type PreparedJob,
} from './prepare-job.js';
import { ExperimentRecorder } from './record-to-store.js';
import { writeJobReport } from './report-files.js';
import { SampleVectorCollector } from './sample-vector-collector.js';
import { recordStop } from './record-stop.js';

export interface JobResult {
  outputDir: string;
  paths: ReportPaths;
  report: ReportInput;
  /** One analysis per compared pair, in comparison order. */
  analyses: PairAnalysis[];
  /** The experiment's id in the history; null when the job was not recorded. */
  experimentId: number | null;
  /** With experiment.record_answers: the answers' findings (metrics per run, McNemar between runs); else null. */
  answerFindings: AnswerFindings | null;
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
  refuseDryRun(config);
  const job = await prepareJob(config, context);
  logRuns(job.runs, log);
  const vectorPolicy = history === null ? null : checkedVectorPolicy(history.vectorPolicy, job.layers);
  const outputDir = await takeReportFolder(context, null, () => defaultOutputDirFor(config, context.outputRoot, startTime));
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

/** The findings of recorded answers: per run metrics, McNemar between runs, and each run split by correctness. */
function answerOutcome(
  job: PreparedJob,
  answering: AnswerRecording,
  runs: readonly AnalysedRun[],
  answers: readonly (readonly SampleAnswer[])[],
  layers: readonly number[],
): AnswerRecord {
  const { experiment } = job.config;
  const classification = answerFindings(
    job.runs.map((run, index) => ({
      name: run.name,
      datasetHash: runs[index]?.datasetHash ?? null,
      datasetIndices: run.sampleIndices,
      answers: answers[index] ?? [],
      classes: (answering.scorers[index] as AnswerScorer).classes,
    })),
    pairsFor(
      job.runs.map((run) => run.name),
      experiment.comparison_mode,
    ),
    { bootstrapResamples: DEFAULT_ANALYSIS_OPTIONS.nBoot, seed: experiment.seed },
  );
  return { classification, split_by_correctness: answerSplits(runs, answers, layers, experiment.seed) };
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
 * The loop, analytics, history records and report of a job whose model is open. A failure or cancellation before
 * the results are stored is recorded as the experiment's final status (a cancellation is rethrown as
 * ExperimentInterruptedError). A report folder that cannot be written after that leaves the experiment completed,
 * with the failure recorded (ReportNotWrittenError): `resume` writes it from the history.
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
  const answering: AnswerRecording | null = config.experiment.record_answers
    ? {
        scorers: job.runs.map((run) => answerScorer(run, 'experiment.record_answers', config.experiment.answer_cue)),
        generation: config.experiment.generation,
        samplingSeed: config.experiment.generation.seed ?? config.experiment.seed,
      }
    : null;
  let report: ReportInput;
  let analyses: PairAnalysis[];
  let durationS: number;
  let endTime: Date;
  let outcome: ActivationCompareOutcome;
  let answers: AnswerRecord | null;
  try {
    outcome = await executeActivationCompare(host, job.runs, config.experiment, {
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
    }, answering);
    const analysedRuns = collector.analysedRuns(host.layers.length, execution.datasetHashes);
    answers = answering === null || outcome.answers === null ? null : answerOutcome(job, answering, analysedRuns, outcome.answers, host.layers);
    analyses =
      job.runs.length < 2
        ? []
        : analyseRunPairs(
            analysedRuns,
            pairsFor(
              job.runs.map((run) => run.name),
              config.experiment.comparison_mode,
            ),
            host.layers,
            config.experiment.seed,
          );
    const perLayer = perLayerComparisons(outcome);
    const findings = findingsOfPairs(perLayer, analyses);
    recorder?.recordOutcome(outcome, perLayer, analyses, findings);
    if (answers !== null) recorder?.recordAnswerFindings(answers.classification, answers.split_by_correctness);
    endTime = new Date();
    durationS = execution.previousDurationS + sessionDuration();
    report = buildReportInput(job, host, outcome, findings, context, {
      startTime: execution.startTime,
      endTime,
      durationSeconds: durationS,
      runDurationSeconds: execution.previousDurationS + (performance.now() - loopStart) / 1000,
      status: 'Completed',
    });
    if (answers !== null) report.answers = answers;
  } catch (error) {
    if (recorder === null) throw error;
    const stopped = recorder;
    throw recordStop(stopped.experimentId, error, execution.previousDurationS + sessionDuration(), (outcome) => stopped.finish(outcome));
  }
  const finished = { status: 'completed', endedAt: endTime, durationS, outputDir: execution.outputDir } as const;
  let paths: ReportPaths;
  try {
    paths = await writeJobReport(execution.outputDir, report, analyses);
  } catch (error) {
    if (recorder === null) throw error;
    // Every result is stored: the experiment completed; only its report folder is missing.
    recorder.finish({ ...finished, error: `The report could not be written: ${error instanceof Error ? error.message : String(error)}` });
    throw new ReportNotWrittenError(recorder.experimentId, { cause: error });
  }
  recorder?.finish(finished);
  return {
    outputDir: execution.outputDir,
    paths,
    report,
    analyses,
    experimentId: recorder?.experimentId ?? null,
    answerFindings: answers?.classification ?? null,
  };
}

/**
 * Writes the report of an experiment whose results are all stored, then records it completed. A report that cannot
 * be written leaves it completed with the failure recorded (ReportNotWrittenError): `resume` writes it from the history.
 */
export async function writeReportOfStored(
  store: HistoryStore,
  experimentId: number,
  finished: { endedAt: Date; durationS: number; outputDir: string },
  write: () => Promise<unknown>,
): Promise<void> {
  const completed = { status: 'completed', ...finished } as const;
  try {
    await write();
  } catch (error) {
    store.finishExperiment(experimentId, { ...completed, error: `The report could not be written: ${error instanceof Error ? error.message : String(error)}` });
    throw new ReportNotWrittenError(experimentId, { cause: error });
  }
  store.finishExperiment(experimentId, completed);
}

/**
 * The report folder of a job, taken before any compute: `--out` when given (refused when it holds a report, unless
 * context.overwriteReport), else `ownFolder` (an experiment's own folder, when it is resumed), else a new folder at
 * `defaultFolder()` (suffixed _2, _3... when a run started in the same second took it). Probed with a small write.
 */
export async function takeReportFolder(context: JobContext, ownFolder: string | null, defaultFolder: () => string): Promise<string> {
  let folder: string;
  if (context.outDir !== null) folder = await claimReportFolder(context.outDir, { overwrite: context.overwriteReport });
  else if (ownFolder !== null) folder = await claimReportFolder(ownFolder, { overwrite: true });
  else folder = await createUniqueReportFolder(defaultFolder());
  await probeReportFolder(folder);
  return folder;
}
