import { createHash } from 'node:crypto';
import type { ExperimentSpec } from '../config/schemas.js';
import type { Sample } from '../datasets/sample.js';
import type { ModelHost } from '../model/model-host.js';
import type { CaptureResult } from '../model/types.js';
import type { ReportInput, SampleLogEntry } from '../report/types.js';
import { ExperimentCancelledError } from './errors.js';
import { compareRunMeans, meanActivationNorms, type RunMeans } from './metrics.js';
import type { PlannedRun } from './plan.js';
import { PoolingAccumulator } from './pooling-accumulator.js';
import type { RunSummary } from '../results/types.js';
import { createSeededRng } from '../analytics/seeded-rng.js';
import type { GenerationSpec } from '../config/schemas.js';
import type { SampleAnswer } from '../results/answers.js';
import type { Seed } from '../results/seed.js';
import { generateOptions, type AnswerScorer } from './answer-scoring.js';

export interface ProgressEvent {
  run: string;
  runIndex: number;
  runCount: number;
  /** Samples finished in the current run, and its size. */
  runDone: number;
  runTotal: number;
  /** Samples finished over the whole experiment, and its size. */
  done: number;
  total: number;
  /** Throughput of the samples computed in this process (resumed ones excluded); null before the first. */
  samplesPerSecond: number | null;
  etaSeconds: number | null;
}

/** One captured sample, handed to observers (the history store) as soon as it is computed. */
export interface CapturedSample {
  runIndex: number;
  /** Position of the sample in the run's processing order. */
  position: number;
  sample: Sample;
  tokenCount: number;
  truncated: boolean;
  /** sha256 (hex, 16 chars) of the exact text fed to the model. */
  promptHash: string;
  /** One pooled vector per captured layer, in layer order. */
  pooled: Float32Array[];
  /** The exact text fed to the model. */
  text: string;
  /** The sample's generated answer as read and scored (experiment.record_answers); null when not recorded. */
  answer: SampleAnswer | null;
}

/** A sample computed by an earlier, interrupted process, as the history kept it. */
export interface StoredSampleVectors {
  /** One pooled vector per captured layer, in layer order. */
  pooled: Float32Array[];
  truncated: boolean;
  /** Its recorded answer (record_answers); null when none was recorded. */
  answer: SampleAnswer | null;
}

/**
 * How answers are recorded beside the capture (experiment.record_answers): each run's scorer, and the generation
 * settings. The prefill pass that generates is the capture pass, so no sample runs twice.
 */
export interface AnswerRecording {
  scorers: readonly AnswerScorer[];
  generation: GenerationSpec;
  /** Seed of the sampling draws (the generation seed, else the experiment's). */
  samplingSeed: Seed;
}

export interface ExecuteHooks {
  onProgress?: (event: ProgressEvent) => void;
  onSample?: (captured: CapturedSample) => void;
  /** A sample already computed by an earlier, interrupted process (resume); null when not stored. */
  storedSample?: (runIndex: number, position: number) => StoredSampleVectors | null;
  signal?: AbortSignal;
}

/** What the loop measured: the report's measured parts (see ReportInput) plus what the history and analytics need. */
export interface ActivationCompareOutcome
  extends Pick<ReportInput, 'metrics' | 'runs' | 'runTimestamps' | 'comparisons' | 'sampleLog'> {
  truncatedSamples: number;
  /** Each run's per-layer mean vectors (for the history store and analytics). */
  runMeans: RunMeans[];
  /** With record_answers, each run's answers in sample order; else null. */
  answers: SampleAnswer[][] | null;
}

/** With batching, this many batches' worth of prompts are handed over at once so similar lengths can be grouped. */
const LENGTH_GROUPING_WINDOW = 4;

/** Throughput of the samples computed in this process and the time left at that pace; null before the first. */
export function throughput(computed: number, elapsedS: number, done: number, total: number): Pick<ProgressEvent, 'samplesPerSecond' | 'etaSeconds'> {
  const rate = computed > 0 && elapsedS > 0 ? computed / elapsedS : null;
  return { samplesPerSecond: rate, etaSeconds: rate ? (total - done) / rate : null };
}

export function promptHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * CoTLab's activation_compare loop: for every run, one prefill pass per sampled prompt, pooled vectors averaged per
 * layer; then per-pair cosine similarity and L2 distance of the mean vectors.
 */
export async function executeActivationCompare(
  host: ModelHost,
  runs: readonly PlannedRun[],
  experiment: ExperimentSpec,
  hooks: ExecuteHooks = {},
  answering: AnswerRecording | null = null,
): Promise<ActivationCompareOutcome> {
  const total = runs.reduce((sum, run) => sum + run.sampleIndices.length, 0);
  const sampleLog: SampleLogEntry[] | null = experiment.log_samples ? [] : null;
  const summaries: RunSummary[] = [];
  const runTimestamps: Date[] = [];
  const runMeans: RunMeans[] = [];
  const answers: SampleAnswer[][] | null = answering === null ? null : runs.map(() => []);
  let done = 0;
  let computed = 0;
  let truncatedSamples = 0;
  const startedAt = performance.now();

  for (const run of runs) {
    const accumulator = new PoolingAccumulator(host.layers, host.info.hiddenSize);
    const systemPrompt = run.prompt.systemPrompt();
    const positions = run.sampleIndices.map((_, position) => position);
    for await (const { position, sample, stored, captured } of runSamples(host, run, positions, experiment, hooks, () => done, answering)) {
      if (stored) {
        accumulator.addSample(stored.pooled);
        if (stored.truncated) truncatedSamples++;
        if (stored.answer) answers?.[run.index]?.push(stored.answer);
      } else if (captured) {
        if (captured.answer) answers?.[run.index]?.push(captured.answer);
        accumulator.addSample(captured.pooled);
        if (captured.truncated) truncatedSamples++;
        computed++;
        hooks.onSample?.(captured);
      }
      sampleLog?.push({ run: run.name, prompt: run.prompt.buildPrompt(sample), system_prompt: systemPrompt, idx: sample.idx, timestamp: new Date() });
      done++;
      hooks.onProgress?.({
        run: run.name,
        runIndex: run.index,
        runCount: runs.length,
        runDone: position + 1,
        runTotal: run.sampleIndices.length,
        done,
        total,
        ...throughput(computed, (performance.now() - startedAt) / 1000, done, total),
      });
    }
    const means = accumulator.toRunMeans(run.name);
    runMeans.push(means);
    summaries.push({
      name: run.name,
      dataset: run.dataset.name,
      prompt: run.prompt.name,
      num_samples: run.sampleIndices.length,
      seed: run.seed,
      pooling: experiment.pooling,
      layer_indices: means.layerIndices,
      mean_activation_norms: meanActivationNorms(means),
      system_prompt: systemPrompt,
      sample_indices: [...run.sampleIndices],
    });
    runTimestamps.push(new Date());
  }

  const comparisons = compareRunMeans(runMeans, experiment.comparison_mode, experiment.store_per_layer);

  return {
    metrics: {
      num_runs: summaries.length,
      num_layers: host.layers.length,
      comparison_mode: experiment.comparison_mode,
      pooling: experiment.pooling,
      pair_count: comparisons.length,
    },
    runs: summaries,
    runTimestamps,
    comparisons,
    sampleLog,
    truncatedSamples,
    runMeans,
    answers,
  };
}

/** A sample of a run in processing order: read back from an earlier process (`stored`), or computed now (`captured`). */
export interface RunSample {
  position: number;
  sample: Sample;
  stored: StoredSampleVectors | null;
  captured: CapturedSample | null;
}

/**
 * The samples of `run` at `positions` (ascending), in that order, whatever the batching: those `storedSample` has
 * are read back, the others computed in groups the host's batch size suits. Before each group it stops when the
 * signal is aborted, throwing ExperimentCancelledError with `completed()` samples done.
 */
export async function* runSamples(
  host: ModelHost,
  run: PlannedRun,
  positions: readonly number[],
  experiment: ExperimentSpec,
  hooks: Pick<ExecuteHooks, 'storedSample' | 'signal'>,
  completed: () => number,
  answering: AnswerRecording | null = null,
): AsyncGenerator<RunSample> {
  const chunkSize = host.info.batchSize > 1 ? host.info.batchSize * LENGTH_GROUPING_WINDOW : 1;
  for (let chunkStart = 0; chunkStart < positions.length; chunkStart += chunkSize) {
    if (hooks.signal?.aborted) throw new ExperimentCancelledError(completed());
    const chunk = positions.slice(chunkStart, chunkStart + chunkSize).map((position) => {
      const sample = run.dataset.samples[run.sampleIndices[position] as number] as Sample;
      return { position, sample, stored: hooks.storedSample?.(run.index, position) ?? null, text: '' };
    });
    const toCompute = chunk.filter((item) => item.stored === null);
    for (const item of toCompute) item.text = run.prompt.fullInput(item.sample, experiment.answer_cue);
    const results = toCompute.length > 0 ? await captureOrGenerate(host, run, toCompute, experiment, answering) : [];
    const resultByPosition = new Map(toCompute.map((item, at) => [item.position, results[at] as CaptureResult & { answer: SampleAnswer | null }]));
    for (const { position, sample, stored, text } of chunk) {
      const result = resultByPosition.get(position);
      const captured: CapturedSample | null =
        result === undefined
          ? null
          : {
              runIndex: run.index,
              position,
              sample,
              tokenCount: result.tokenCount,
              truncated: result.truncated,
              promptHash: promptHash(text),
              pooled: result.pooled,
              text,
              answer: result.answer,
            };
      yield { position, sample, stored, captured };
    }
  }
}

/**
 * The captures of a chunk's samples; with answers recorded, their generations, whose prefill pass is the capture,
 * each answer read and scored, and each sample's sampling draws its own seeded stream.
 */
async function captureOrGenerate(
  host: ModelHost,
  run: PlannedRun,
  items: readonly { position: number; sample: Sample; text: string }[],
  experiment: ExperimentSpec,
  answering: AnswerRecording | null,
): Promise<(CaptureResult & { answer: SampleAnswer | null })[]> {
  if (answering === null) {
    const captured = await host.captureBatch(
      items.map((item) => item.text),
      { maxInputTokens: experiment.max_input_tokens },
    );
    return captured.map((result) => ({ ...result, answer: null }));
  }
  const scorer = answering.scorers[run.index] as AnswerScorer;
  const generated = await host.generate(
    items.map((item) => ({ text: item.text, random: answering.generation.do_sample ? uniformDraws(answering.samplingSeed, run.index, item.position) : null })),
    generateOptions(answering.generation, experiment.max_input_tokens, run.prompt.stopStrings),
  );
  return generated.map((result, at) => ({ ...result, answer: scorer.score((items[at] as { sample: Sample }).sample, result) }));
}

/** A sample's own stream of uniform draws: the same whatever the batching or a resume. */
export function uniformDraws(seed: Seed, runIndex: number, position: number): () => number {
  const rng = createSeededRng(seed, runIndex, position);
  return () => rng.nextFloat();
}
