import type { PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import { RANKED_LAYER_COUNT, type LayerScore } from '../results/rankings.js';
import type { ActivationCompareMetrics, CaptureRecord, Comparison, RunSummary } from '../results/types.js';
import { pythonIsoformat } from './local-time.js';
import type { AnswerRecord, ReportInput, SampleLogEntry } from './types.js';

export interface SampleRecord {
  run: string;
  prompt: string;
  system_prompt: string | null;
  idx: number;
  timestamp: string;
}

export interface RunSummaryRecord {
  run_summary: RunSummary;
  idx: number;
  timestamp: string;
}

/** One pair of results.json `analysis`: its most divergent layers by the mean vectors. */
export interface AnalysisPairRecord {
  run_a: string;
  run_b: string;
  lowest_cosine_layers: Array<{ layer: number; cosine_similarity: number }>;
  highest_l2_layers: Array<{ layer: number; l2_distance: number }>;
}

/** results.json: CoTLab's keys in CoTLab's order, then our own keys. */
export interface ResultsJson {
  metadata: { config: Record<string, unknown>; start_time: string };
  experiment: string;
  model: string;
  prompt_strategy: string;
  metrics: ActivationCompareMetrics;
  raw_outputs: [{ runs: RunSummary[]; comparisons: Comparison[] }];
  num_samples: number;
  samples: Array<SampleRecord | RunSummaryRecord>;
  end_time: string;
  duration_seconds: number;
  capture: CaptureRecord;
  analysis: { top_k: number; pairs: AnalysisPairRecord[] };
  /** With experiment.record_answers: metrics of the answers and each run split by correctness. */
  answers?: AnswerRecord;
  /** Present once runs have been probed (`cotlab-wb probe`). */
  probing?: ProbeRecord[];
  app: { name: 'cotlab-workbench'; version: string };
}

/** Rebuilt field by field so the key order is CoTLab's whatever order the caller's object has. */
function runRecord(run: RunSummary): RunSummary {
  return {
    name: run.name,
    dataset: run.dataset,
    prompt: run.prompt,
    num_samples: run.num_samples,
    seed: run.seed,
    pooling: run.pooling,
    layer_indices: run.layer_indices,
    mean_activation_norms: run.mean_activation_norms,
    system_prompt: run.system_prompt,
    sample_indices: run.sample_indices,
  };
}

function comparisonRecord(comparison: Comparison): Comparison {
  const record: Comparison = {
    run_a: comparison.run_a,
    run_b: comparison.run_b,
    layer_indices: comparison.layer_indices,
    mean_cosine_similarity: comparison.mean_cosine_similarity,
    mean_l2_distance: comparison.mean_l2_distance,
  };
  if (comparison.layer_cosine_similarity !== undefined) {
    record.layer_cosine_similarity = comparison.layer_cosine_similarity;
  }
  if (comparison.layer_l2_distance !== undefined) record.layer_l2_distance = comparison.layer_l2_distance;
  return record;
}

/** Raised when the report input is internally inconsistent (a programming error upstream, not a user error). */
export class ReportInputError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`Cannot build the report: ${field} ${detail}.`);
    this.name = 'ReportInputError';
  }
}

function sampleRecord(entry: SampleLogEntry): SampleRecord {
  return {
    run: entry.run,
    prompt: entry.prompt,
    system_prompt: entry.system_prompt,
    idx: entry.idx,
    timestamp: pythonIsoformat(entry.timestamp),
  };
}

/**
 * CoTLab's logger records, in logging order: for each run, its samples (only when log_samples) and then its
 * summary with the run's index as `idx`. Samples of a run that never finished (interrupted job) come last, where
 * they were logged.
 */
function sampleRecords(input: ReportInput, runs: RunSummary[]): Array<SampleRecord | RunSummaryRecord> {
  if (input.runTimestamps.length !== runs.length) {
    throw new ReportInputError('runTimestamps', `has ${input.runTimestamps.length} entries for ${runs.length} runs`);
  }
  const sampleLog = input.sampleLog ?? [];
  const records: Array<SampleRecord | RunSummaryRecord> = [];
  runs.forEach((run, runIndex) => {
    records.push(...sampleLog.filter((entry) => entry.run === run.name).map(sampleRecord));
    records.push({ run_summary: run, idx: runIndex, timestamp: pythonIsoformat(input.runTimestamps[runIndex] as Date) });
  });
  const finishedRuns = new Set(runs.map((run) => run.name));
  records.push(...sampleLog.filter((entry) => !finishedRuns.has(entry.run)).map(sampleRecord));
  return records;
}

function analysisPairRecord(findings: PairFindings): AnalysisPairRecord {
  const toCosine = ({ layer, value }: LayerScore) => ({ layer, cosine_similarity: value });
  const toL2 = ({ layer, value }: LayerScore) => ({ layer, l2_distance: value });
  return {
    run_a: findings.run_a,
    run_b: findings.run_b,
    lowest_cosine_layers: findings.lowest_cosine_layers.map(toCosine),
    highest_l2_layers: findings.highest_l2_layers.map(toL2),
  };
}

export function buildResultsJson(input: ReportInput): ResultsJson {
  const runs = input.runs.map(runRecord);
  const comparisons = input.comparisons.map(comparisonRecord);
  const samples = sampleRecords(input, runs);
  return {
    metadata: { config: input.config, start_time: pythonIsoformat(input.startTime) },
    experiment: input.experimentName,
    model: input.modelName,
    prompt_strategy: input.promptStrategyName,
    metrics: {
      num_runs: input.metrics.num_runs,
      num_layers: input.metrics.num_layers,
      comparison_mode: input.metrics.comparison_mode,
      pooling: input.metrics.pooling,
      pair_count: input.metrics.pair_count,
    },
    raw_outputs: [{ runs, comparisons }],
    // CoTLab counts logger records here (runs, plus samples when logged), not dataset samples.
    num_samples: samples.length,
    samples,
    end_time: pythonIsoformat(input.endTime),
    duration_seconds: input.durationSeconds,
    capture: input.capture,
    analysis: { top_k: RANKED_LAYER_COUNT, pairs: input.findings.map(analysisPairRecord) },
    ...(input.answers === undefined ? {} : { answers: input.answers }),
    ...(input.probes.length > 0 ? { probing: input.probes } : {}),
    app: { name: 'cotlab-workbench', version: input.appVersion },
  };
}
