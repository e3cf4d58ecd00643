/**
 * The classification experiment: for every variant (dataset x prompt strategy, samples drawn as CoTLab draws
 * them), generate each sample's answer, read its decision in the strategy's output format, score it against the
 * gold label through the dataset's label mapping; then per-variant metrics with bootstrap intervals and McNemar's
 * test between variants on the same samples. Recorded sample by sample in the history, so a killed run resumes
 * from its next sample and ends as an uninterrupted one would.
 */
import { answerFindings, type AnsweredRun } from '../analytics/answer-findings.js';
import type { ClassificationConfig } from '../config/schemas.js';
import type { Sample } from '../datasets/sample.js';
import { openModelHost, type ModelHost } from '../model/model-host.js';
import type { AnswerReportInput, AnswerRunSummary, AnswerSampleEntry } from '../report/answer-report.js';
import { writeAnswerReport } from '../report/answer-report.js';
import type { SampleAnswer } from '../results/answers.js';
import type { AnswerFindings } from '../results/classification.js';
import type { StoredAnswer } from '../store/answer-rows.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail } from '../store/types.js';
import { promptHash, throughput, uniformDraws, type ProgressEvent } from './activation-compare.js';
import { answerScorer, generateOptions, type AnswerScorer } from './answer-scoring.js';
import { ExperimentCancelledError } from './errors.js';
import { ResumeError } from './history-errors.js';
import { configReportParts } from './job-report.js';
import { pairsFor } from './metrics.js';
import type { PlannedRun } from './plan.js';
import { datasetHashesOf, defaultOutputDirFor, isDemoModel, logRuns, prepareJob, refuseDryRun, type JobContext, type PreparedJob } from './prepare-job.js';
import { newRunOf } from './record-to-store.js';
import { runtimeRecordOf } from './runtime-record.js';
import { sha256File } from './file-hash.js';
import { takeReportFolder, writeReportOfStored } from './run-job.js';
import { recordStop } from './record-stop.js';

/** What a finished answer experiment hands back. */
export interface AnswerJobResult {
  outputDir: string;
  experimentId: number;
  findings: AnswerFindings;
}

export interface AnswerJobHooks {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
  onExperimentCreated?: (experimentId: number) => void;
}

/** With batching, this many batches' worth of prompts are handed over at once so similar lengths can be grouped. */
const LENGTH_GROUPING_WINDOW = 4;

/** A planned classification: data loaded, samples drawn, every prompt strategy able to have its answers read. */
interface ClassificationJob extends PreparedJob<ClassificationConfig> {
  scorers: AnswerScorer[];
}

async function prepareClassification(config: ClassificationConfig, context: JobContext): Promise<ClassificationJob> {
  const job = await prepareJob(config, context);
  return { ...job, scorers: job.runs.map((run) => answerScorer(run, 'classification', config.experiment.answer_cue)) };
}

async function openGenerator(job: ClassificationJob, cacheDir: string): Promise<ModelHost> {
  const { config } = job;
  return openModelHost({
    modelDir: job.modelDir.dir,
    hook: 'resid_post',
    layers: [],
    pooling: 'last_token',
    device: config.backend.device,
    deviceId: config.backend.device_id,
    intraOpThreads: config.backend.intra_op_threads,
    interOpThreads: config.backend.inter_op_threads,
    cacheDir,
    hookMap: config.model.hook_map,
    batchSize: config.backend.batch_size,
    generation: true,
    tokenizer: job.tokenizer,
  });
}

/** Runs a classification end to end, recorded in the history, and writes its report folder. */
export async function runClassificationJob(
  config: ClassificationConfig,
  context: JobContext,
  hooks: AnswerJobHooks,
  store: HistoryStore,
): Promise<AnswerJobResult> {
  const startTime = new Date();
  const log = context.log ?? (() => undefined);
  refuseDryRun(config);
  const job = await prepareClassification(config, context);
  logRuns(job.runs, log);
  const outputDir = await takeReportFolder(context, null, () => defaultOutputDirFor(config, context.outputRoot, startTime));
  const datasetHashes = await datasetHashesOf(job.runs);
  const modelHash = await sha256File(job.modelDir.graphPath);
  const host = await openGenerator(job, context.cacheDir);
  try {
    logGenerator(host, config, log);
    const experimentId = store.createExperiment({
      name: config.experiment.name,
      config,
      vectorPolicy: 'all',
      startedAt: startTime,
      modelName: config.model.name,
      modelDir: job.modelDir.dir,
      modelHash,
      demoModel: isDemoModel(job.modelDir),
      executionProvider: host.info.executionProvider,
      executionProviderNote: host.info.executionProviderNote,
      hook: null,
      pooling: null,
      appVersion: context.appVersion,
      outputDir,
      runtime: runtimeRecordOf(host.info),
    });
    const runIds = job.runs.map((run) => store.createRun(experimentId, newRunOf(run, datasetHashes[run.index] ?? null, [])));
    log(`history: experiment ${experimentId} in ${store.dbPath}`);
    hooks.onExperimentCreated?.(experimentId);
    return await executeClassification(job, host, context, hooks, {
      store,
      experimentId,
      runIds,
      completedRuns: new Set(),
      datasetHashes,
      startTime,
      sessionStart: startTime,
      previousDurationS: 0,
      outputDir,
      stored: job.runs.map(() => new Map()),
    });
  } finally {
    await host.dispose();
  }
}

/** Continues an interrupted classification from its next sample (see resumeJob for activation_compare). */
export async function resumeClassificationJob(
  store: HistoryStore,
  experiment: ExperimentDetail,
  config: ClassificationConfig,
  context: JobContext,
  hooks: AnswerJobHooks,
): Promise<AnswerJobResult> {
  const sessionStart = new Date();
  const log = context.log ?? (() => undefined);
  const job = await prepareClassification(config, context);
  logRuns(job.runs, log);
  const datasetHashes = await datasetHashesOf(job.runs);
  experiment.runs.forEach((stored, index) => {
    const planned = job.runs[index];
    if (planned === undefined || planned.name !== stored.name) {
      throw new ResumeError(experiment.id, `its run ${index} "${stored.name}" is no longer part of the plan (the configuration files changed)`);
    }
    if (stored.datasetHash !== null && stored.datasetHash !== datasetHashes[index]) {
      throw new ResumeError(experiment.id, `the dataset file ${planned.dataset.path} of run "${stored.name}" changed since the experiment started`);
    }
    if (JSON.stringify(stored.sampleIndices) !== JSON.stringify(planned.sampleIndices)) {
      throw new ResumeError(experiment.id, `run "${stored.name}" would now draw different samples (the dataset or sampling changed)`);
    }
  });
  if (experiment.modelHash !== (await sha256File(job.modelDir.graphPath))) {
    throw new ResumeError(experiment.id, `the model file ${job.modelDir.graphPath} changed since the experiment started`);
  }
  const startTime = new Date(experiment.startedAt);
  const outputDir = await takeReportFolder(context, experiment.outputDir, () => defaultOutputDirFor(config, context.outputRoot, startTime));
  const host = await openGenerator(job, context.cacheDir);
  try {
    logGenerator(host, config, log);
    store.resumeExperiment(experiment.id);
    const runIds = job.runs.map((run) => experiment.runs[run.index]?.id ?? store.createRun(experiment.id, newRunOf(run, datasetHashes[run.index] ?? null, [])));
    const stored = job.runs.map((run) => {
      const record = experiment.runs[run.index];
      return new Map((record === undefined ? [] : store.getRunAnswers(record.id)).map((answer) => [answer.position, answer]));
    });
    log(`history: resuming experiment ${experiment.id} in ${store.dbPath} after ${stored.reduce((sum, map) => sum + map.size, 0)} stored samples`);
    return await executeClassification(job, host, context, hooks, {
      store,
      experimentId: experiment.id,
      runIds,
      completedRuns: new Set(experiment.runs.filter((run) => run.status === 'completed').map((run) => run.runIndex)),
      datasetHashes,
      startTime,
      sessionStart,
      previousDurationS: experiment.durationS ?? 0,
      outputDir,
      stored,
    });
  } finally {
    await host.dispose();
  }
}

function logGenerator(host: ModelHost, config: ClassificationConfig, log: (line: string) => void): void {
  const { capabilities } = host.info;
  log(
    `model: ${config.model.name} (${host.info.modelType}) on ${host.info.executionProvider.toUpperCase()}, ` +
      `${capabilities.kvCache ? 'KV-cached decoding' : 'no KV cache: every new token recomputes the sequence'}`,
  );
  if (host.info.executionProviderNote) log(`execution provider: ${host.info.executionProviderNote}`);
  for (const notice of host.info.notices) log(`model: ${notice}`);
}

interface ClassificationExecution {
  store: HistoryStore;
  experimentId: number;
  runIds: readonly number[];
  completedRuns: ReadonlySet<number>;
  datasetHashes: readonly string[];
  startTime: Date;
  sessionStart: Date;
  previousDurationS: number;
  outputDir: string;
  /** Per run, the answers an earlier process stored, by position. */
  stored: ReadonlyArray<ReadonlyMap<number, StoredAnswer>>;
}

async function executeClassification(
  job: ClassificationJob,
  host: ModelHost,
  context: JobContext,
  hooks: AnswerJobHooks,
  execution: ClassificationExecution,
): Promise<AnswerJobResult> {
  const { config, runs } = job;
  const { store, experimentId } = execution;
  const experiment = config.experiment;
  const samplingSeed = experiment.generation.seed ?? experiment.seed;
  const total = runs.reduce((sum, run) => sum + run.sampleIndices.length, 0);
  const answers: AnswerSampleEntry[][] = runs.map(() => []);
  const sessionDuration = () => (Date.now() - execution.sessionStart.getTime()) / 1000;
  const loopStart = performance.now();
  let done = 0;
  let computed = 0;
  let report: AnswerReportInput;
  try {
    for (const run of runs) {
      const scorer = job.scorers[run.index] as AnswerScorer;
      const options = generateOptions(experiment.generation, experiment.max_input_tokens, run.prompt.stopStrings);
      const chunkSize = host.info.batchSize > 1 ? host.info.batchSize * LENGTH_GROUPING_WINDOW : 1;
      const storedAnswers = execution.stored[run.index] ?? new Map<number, StoredAnswer>();
      for (let chunkStart = 0; chunkStart < run.sampleIndices.length; chunkStart += chunkSize) {
        if (hooks.signal?.aborted) throw new ExperimentCancelledError(done);
        const chunk = run.sampleIndices.slice(chunkStart, chunkStart + chunkSize).map((datasetIndex, offset) => {
          const sample = run.dataset.samples[datasetIndex] as Sample;
          return { position: chunkStart + offset, sample, text: run.prompt.fullInput(sample, experiment.answer_cue) };
        });
        const toCompute = chunk.filter((item) => !storedAnswers.has(item.position));
        const generated = await host.generate(
          toCompute.map((item) => ({
            text: item.text,
            random: experiment.generation.do_sample ? uniformDraws(samplingSeed, run.index, item.position) : null,
          })),
          options,
        );
        const byPosition = new Map(toCompute.map((item, at) => [item.position, generated[at]]));
        for (const { position, sample, text } of chunk) {
          const previous = storedAnswers.get(position);
          let answer: SampleAnswer;
          if (previous !== undefined) answer = previous;
          else {
            const result = byPosition.get(position);
            if (result === undefined) throw new Error(`no generation for sample ${position} of run ${run.name}`);
            answer = scorer.score(sample, result);
            execution.store.recordSample(execution.runIds[run.index] as number, {
              position,
              datasetIndex: sample.idx,
              label: sample.label,
              tokenCount: result.tokenCount,
              truncated: result.truncated,
              promptHash: promptHash(text),
              vectors: [],
              extras: { texts: { text: sample.text, prompt: text }, answer },
            });
            computed++;
          }
          answers[run.index]?.push({ ...answer, run: run.name, position, datasetIndex: sample.idx, label: sample.label, text: sample.text, prompt: text });
          done++;
          hooks.onProgress?.({
            run: run.name,
            runIndex: run.index,
            runCount: runs.length,
            runDone: position + 1,
            runTotal: run.sampleIndices.length,
            done,
            total,
            ...throughput(computed, (performance.now() - loopStart) / 1000, done, total),
          });
        }
      }
      if (!execution.completedRuns.has(run.index)) store.markRunCompleted(execution.runIds[run.index] as number);
    }
    const answeredRuns: AnsweredRun[] = runs.map((run) => ({
      name: run.name,
      datasetHash: execution.datasetHashes[run.index] ?? null,
      datasetIndices: run.sampleIndices,
      answers: answers[run.index] ?? [],
      classes: (job.scorers[run.index] as AnswerScorer).classes,
    }));
    const findings = answerFindings(
      answeredRuns,
      pairsFor(
        runs.map((run) => run.name),
        experiment.comparison_mode,
      ),
      { bootstrapResamples: experiment.bootstrap_resamples, seed: experiment.seed },
    );
    store.saveFindings(experimentId, 'classification', findings);
    const endTime = new Date();
    const durationS = execution.previousDurationS + sessionDuration();
    report = {
      ...configReportParts(config, context),
      startTime: execution.startTime,
      endTime,
      durationSeconds: durationS,
      runDurationSeconds: execution.previousDurationS + (performance.now() - loopStart) / 1000,
      status: 'Completed',
      runs: runs.map(runSummary),
      samples: answers.flat(),
      findings,
      generation: {
        max_new_tokens: experiment.generation.max_new_tokens,
        do_sample: experiment.generation.do_sample,
        temperature: experiment.generation.temperature,
        top_p: experiment.generation.top_p,
        sampling_seed: experiment.generation.do_sample ? samplingSeed : null,
        stop_strings: Object.fromEntries(runs.map((run) => [run.name, [...generateOptions(experiment.generation, null, run.prompt.stopStrings).stopStrings]])),
        max_input_tokens: experiment.max_input_tokens,
        answer_cue: experiment.answer_cue,
        execution_provider: host.info.executionProvider,
        execution_provider_note: host.info.executionProviderNote,
        kv_cache: host.info.capabilities.kvCache,
        model_type: host.info.modelType,
        model_dir: host.info.dir,
        demo_model: isDemoModel(job.modelDir),
        runtime: runtimeRecordOf(host.info),
      },
    };
  } catch (error) {
    throw recordStop(experimentId, error, execution.previousDurationS + sessionDuration(), (outcome) => store.finishExperiment(experimentId, outcome));
  }
  const { endTime, durationSeconds } = report;
  await writeReportOfStored(store, experimentId, { endedAt: endTime, durationS: durationSeconds, outputDir: execution.outputDir }, () =>
    writeAnswerReport(execution.outputDir, report),
  );
  return { outputDir: execution.outputDir, experimentId, findings: report.findings };
}

export function runSummary(run: PlannedRun): AnswerRunSummary {
  return {
    name: run.name,
    dataset: run.dataset.name,
    prompt: run.prompt.name,
    output_format: run.prompt.spec.output_format,
    num_samples: run.sampleIndices.length,
    seed: run.seed,
    system_prompt: run.prompt.systemPrompt(),
    sample_indices: [...run.sampleIndices],
  };
}
