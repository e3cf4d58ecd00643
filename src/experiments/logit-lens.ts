/**
 * The logit_lens experiment: for every sample, one capture pass whose graph also applies the model's final norm and
 * LM head to each layer's last-token residual; per layer the top-k tokens with their probabilities and the rank and
 * probability of the gold answer's first token. Recorded sample by sample (the last-token vectors too, by the vector
 * policy), resumable after a kill, summarised per layer when done.
 */
import { lensRunSummary, type LensCell } from '../analytics/lens-summary.js';
import type { LogitLensConfig } from '../config/schemas.js';
import type { Sample } from '../datasets/sample.js';
import { openModelHost, type ModelHost } from '../model/model-host.js';
import type { PromptTokenizer } from '../model/tokenizer.js';
import { plainAnswerText } from '../prompts/strategy.js';
import type { LensReportInput, LensSampleEntry } from '../report/lens-report.js';
import { writeLensReport } from '../report/lens-report.js';
import type { LensFindings } from '../results/logit-lens.js';
import type { LensLayerRecord } from '../store/answer-rows.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail } from '../store/types.js';
import { promptHash } from './activation-compare.js';
import { answerScorer, type AnswerScorer } from './answer-scoring.js';
import { runSummary, type AnswerJobHooks } from './classification.js';
import { ExperimentCancelledError, ExperimentError } from './errors.js';
import { ResumeError } from './history-errors.js';
import { sha256File } from './file-hash.js';
import { configReportParts } from './job-report.js';
import { checkedVectorPolicy, datasetHashesOf, defaultOutputDirFor, isDemoModel, logRuns, prepareJob, refuseDryRun, type JobContext, type PreparedJob } from './prepare-job.js';
import { newRunOf } from './record-to-store.js';
import { takeReportFolder, writeReportOfStored, type JobHistory } from './run-job.js';
import { runtimeRecordOf } from './runtime-record.js';
import { recordStop } from './record-stop.js';

export interface LensJobResult {
  outputDir: string;
  experimentId: number;
  findings: LensFindings;
  summary: string[];
}

export const GOLD_RULE = "the first token of the gold label's answer text (the strategy's plain label, else the label itself) after a space, as the tokenizer encodes it alone";

interface LensJob extends PreparedJob<LogitLensConfig> {
  scorers: AnswerScorer[];
}

async function prepareLens(config: LogitLensConfig, context: JobContext): Promise<LensJob> {
  const job = await prepareJob(config, context);
  return { ...job, scorers: job.runs.map((run) => answerScorer(run, 'logit_lens', null)) };
}

async function openLensHost(job: LensJob, cacheDir: string): Promise<ModelHost> {
  const { config } = job;
  return openModelHost({
    modelDir: job.modelDir.dir,
    hook: 'resid_post',
    layers: job.layers,
    pooling: 'last_token',
    device: config.backend.device,
    deviceId: config.backend.device_id,
    intraOpThreads: config.backend.intra_op_threads,
    interOpThreads: config.backend.inter_op_threads,
    cacheDir,
    hookMap: config.model.hook_map,
    batchSize: config.backend.batch_size,
    logitLens: { topK: config.experiment.top_k },
    tokenizer: job.tokenizer,
  });
}

/** The gold answer's first token: the answer text of the sample's gold class, after a space, encoded alone. */
export function goldToken(tokenizer: PromptTokenizer, scorer: AnswerScorer, sample: Sample): { text: string; token: number } {
  const gold = scorer.goldClass(sample.label);
  if (gold === null) throw new ExperimentError(`Sample ${sample.idx} has no label, so the logit lens has no gold answer for it.`);
  const text = plainAnswerText(scorer.layout, gold);
  const [token] = tokenizer.encodeWithoutSpecialTokens(` ${text}`);
  if (token === undefined) throw new ExperimentError(`The gold answer "${text}" of sample ${sample.idx} encodes to no token.`);
  return { text, token };
}

export async function runLogitLensJob(config: LogitLensConfig, context: JobContext, hooks: AnswerJobHooks, history: JobHistory): Promise<LensJobResult> {
  const startTime = new Date();
  const log = context.log ?? (() => undefined);
  refuseDryRun(config);
  const job = await prepareLens(config, context);
  logRuns(job.runs, log);
  const vectorPolicy = checkedVectorPolicy(history.vectorPolicy, job.layers);
  const outputDir = await takeReportFolder(context, null, () => defaultOutputDirFor(config, context.outputRoot, startTime));
  const datasetHashes = await datasetHashesOf(job.runs);
  const modelHash = await sha256File(job.modelDir.graphPath);
  const host = await openLensHost(job, context.cacheDir);
  try {
    log(`model: ${config.model.name} (${host.info.modelType}, ${host.info.numLayers} layers) on ${host.info.executionProvider.toUpperCase()}`);
    const { store } = history;
    const experimentId = store.createExperiment({
      name: config.experiment.name,
      config,
      vectorPolicy,
      startedAt: startTime,
      modelName: config.model.name,
      modelDir: job.modelDir.dir,
      modelHash,
      demoModel: isDemoModel(job.modelDir),
      executionProvider: host.info.executionProvider,
      executionProviderNote: host.info.executionProviderNote,
      hook: 'resid_post',
      pooling: 'last_token',
      appVersion: context.appVersion,
      outputDir,
      runtime: runtimeRecordOf(host.info),
    });
    const runIds = job.runs.map((run) => store.createRun(experimentId, newRunOf(run, datasetHashes[run.index] ?? null, host.layers)));
    log(`history: experiment ${experimentId} in ${store.dbPath}`);
    hooks.onExperimentCreated?.(experimentId);
    return await executeLens(job, host, context, hooks, { store, experimentId, runIds, completed: new Set(), startTime, sessionStart: startTime, previousDurationS: 0, outputDir, stored: job.runs.map(() => new Map()) });
  } finally {
    await host.dispose();
  }
}

export async function resumeLogitLensJob(
  store: HistoryStore,
  experiment: ExperimentDetail,
  config: LogitLensConfig,
  context: JobContext,
  hooks: AnswerJobHooks,
): Promise<LensJobResult> {
  const sessionStart = new Date();
  const job = await prepareLens(config, context);
  logRuns(job.runs, context.log ?? (() => undefined));
  const datasetHashes = await datasetHashesOf(job.runs);
  experiment.runs.forEach((stored, index) => {
    const planned = job.runs[index];
    const samePlan =
      planned !== undefined &&
      planned.name === stored.name &&
      (stored.datasetHash === null || stored.datasetHash === datasetHashes[index]) &&
      JSON.stringify(stored.sampleIndices) === JSON.stringify(planned.sampleIndices) &&
      JSON.stringify(stored.layerIndices) === JSON.stringify(job.layers);
    if (!samePlan) throw new ResumeError(experiment.id, `run "${stored.name}" would now draw other samples, layers or data (the configuration or dataset changed)`);
  });
  if (experiment.modelHash !== (await sha256File(job.modelDir.graphPath))) {
    throw new ResumeError(experiment.id, `the model file ${job.modelDir.graphPath} changed since the experiment started`);
  }
  const startTime = new Date(experiment.startedAt);
  const outputDir = await takeReportFolder(context, experiment.outputDir, () => defaultOutputDirFor(config, context.outputRoot, startTime));
  const host = await openLensHost(job, context.cacheDir);
  try {
    store.resumeExperiment(experiment.id);
    const runIds = job.runs.map((run) => experiment.runs[run.index]?.id ?? store.createRun(experiment.id, newRunOf(run, datasetHashes[run.index] ?? null, host.layers)));
    const stored = job.runs.map((run) => {
      const record = experiment.runs[run.index];
      const byPosition = new Map<number, LensLayerRecord[]>();
      for (const row of record === undefined ? [] : store.getRunLens(record.id)) byPosition.set(row.position, [...(byPosition.get(row.position) ?? []), row]);
      return byPosition;
    });
    return await executeLens(job, host, context, hooks, {
      store,
      experimentId: experiment.id,
      runIds,
      completed: new Set(experiment.runs.filter((run) => run.status === 'completed').map((run) => run.runIndex)),
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

interface LensExecution {
  store: HistoryStore;
  experimentId: number;
  runIds: readonly number[];
  completed: ReadonlySet<number>;
  startTime: Date;
  sessionStart: Date;
  previousDurationS: number;
  outputDir: string;
  stored: ReadonlyArray<ReadonlyMap<number, LensLayerRecord[]>>;
}

async function executeLens(job: LensJob, host: ModelHost, context: JobContext, hooks: AnswerJobHooks, execution: LensExecution): Promise<LensJobResult> {
  const { config, runs } = job;
  const { store, experimentId } = execution;
  const experiment = config.experiment;
  const total = runs.reduce((sum, run) => sum + run.sampleIndices.length, 0);
  const tokenText = (id: number): string => host.tokenizer.decode([id]);
  const entries: LensSampleEntry[][] = runs.map(() => []);
  const cells: LensCell[][][] = runs.map(() => []);
  const sessionDuration = () => (Date.now() - execution.sessionStart.getTime()) / 1000;
  const loopStart = performance.now();
  let done = 0;
  let report: LensReportInput;
  try {
    for (const run of runs) {
      const scorer = job.scorers[run.index] as AnswerScorer;
      const stored = execution.stored[run.index] ?? new Map<number, LensLayerRecord[]>();
      for (let position = 0; position < run.sampleIndices.length; position++) {
        if (hooks.signal?.aborted) throw new ExperimentCancelledError(done);
        const sample = run.dataset.samples[run.sampleIndices[position] as number] as Sample;
        const text = run.prompt.fullInput(sample, experiment.answer_cue);
        const gold = goldToken(host.tokenizer, scorer, sample);
        let layers = stored.get(position);
        if (layers === undefined) {
          const [result] = await host.lens([{ text, goldTokenId: gold.token }], { maxInputTokens: experiment.max_input_tokens });
          if (result === undefined) throw new ExperimentError(`No lens for sample ${position} of run ${run.name}.`);
          layers = result.lens.map((layer) => ({ ...layer, goldToken: gold.token }));
          store.recordSample(execution.runIds[run.index] as number, {
            position,
            datasetIndex: sample.idx,
            label: sample.label,
            tokenCount: result.tokenCount,
            truncated: result.truncated,
            promptHash: promptHash(text),
            vectors: result.pooled,
            extras: { texts: { text: sample.text, prompt: text }, lens: layers },
          });
        }
        cells[run.index]?.push(layers);
        entries[run.index]?.push({
          run: run.name,
          position,
          datasetIndex: sample.idx,
          label: sample.label,
          goldText: gold.text,
          goldToken: gold.token,
          goldTokenText: tokenText(gold.token),
          layers: layers.map((layer) => ({
            layer: layer.layer,
            top: layer.topTokenIds.map((id, rank) => ({ token_id: id, token: tokenText(id), prob: layer.topProbs[rank] ?? 0 })),
            gold_rank: layer.goldRank,
            gold_prob: layer.goldProb,
          })),
        });
        done++;
        hooks.onProgress?.({ run: run.name, runIndex: run.index, runCount: runs.length, runDone: position + 1, runTotal: run.sampleIndices.length, done, total, samplesPerSecond: null, etaSeconds: null });
      }
      if (!execution.completed.has(run.index)) store.markRunCompleted(execution.runIds[run.index] as number);
    }
    const findings: LensFindings = {
      top_k: experiment.top_k,
      gold_rule: GOLD_RULE,
      runs: runs.map((run) => lensRunSummary(run.name, cells[run.index] ?? [], host.layers, tokenText)),
    };
    store.saveFindings(experimentId, 'logit_lens', findings);
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
      samples: entries.flat(),
      findings,
      lens: {
        hook: 'resid_post',
        answer_cue: experiment.answer_cue,
        max_input_tokens: experiment.max_input_tokens,
        execution_provider: host.info.executionProvider,
        model_type: host.info.modelType,
        model_dir: host.info.dir,
        demo_model: isDemoModel(job.modelDir),
      },
    };
  } catch (error) {
    throw recordStop(experimentId, error, execution.previousDurationS + sessionDuration(), (outcome) => store.finishExperiment(experimentId, outcome));
  }
  const { endTime, durationSeconds, findings } = report;
  await writeReportOfStored(store, experimentId, { endedAt: endTime, durationS: durationSeconds, outputDir: execution.outputDir }, () =>
    writeLensReport(execution.outputDir, report),
  );
  const summary = findings.runs.map((run) => {
    const last = run.layers[run.layers.length - 1];
    return `${run.run}: last layer (${last?.layer ?? '-'}) gold token top-1 in ${((last?.gold_top1_rate ?? 0) * 100).toFixed(1)}% of ${run.samples} samples, mean probability ${(last?.mean_gold_prob ?? 0).toFixed(4)}`;
  });
  return { outputDir: execution.outputDir, experimentId, findings, summary };
}
