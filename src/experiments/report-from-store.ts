import path from 'node:path';
import type { PairAnalysis } from '../analytics/divergence.js';
import { RootConfigSchema, type ResolvedConfig } from '../config/schemas.js';
import { readModelConfig, type ModelConfig } from '../model/model-dir.js';
import { hookName } from '../results/capture-points.js';
import type { PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import type { ReportInput, RunStatus } from '../report/types.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail, ExperimentStatus, RunRecord, StoredProbe } from '../store/types.js';
import { keepsLayerVector } from '../store/vector-policy.js';
import { analyseRunPairs, type AnalysedRun } from './analyse.js';
import { HistoryExportError } from './history-errors.js';
import { comparisonOf } from './metrics.js';
import { storedRuntimeRecord } from './runtime-record.js';
import { HOOK_POINT_DESCRIPTIONS } from '../model/hook-points.js';
import { assembleReportInput } from './job-report.js';
import type { ActivationCompareMetrics, CaptureRecord, Comparison, ComparisonMode, RunSummary } from '../results/types.js';

const REPORT_STATUS: Record<ExperimentStatus, RunStatus> = {
  running: 'Running',
  completed: 'Completed',
  interrupted: 'Interrupted',
  failed: 'Failed',
};

/** The stored config as this version's schema reads it; null for imported CoTLab configs (another schema). */
export function storedWorkbenchConfig(experiment: ExperimentDetail): ResolvedConfig | null {
  if (experiment.source !== 'workbench') return null;
  const parsed = RootConfigSchema.safeParse(experiment.config);
  return parsed.success ? (parsed.data as ResolvedConfig) : null;
}

/** One stored run in CoTLab's results.json layout, named `name`; its norms are empty when it never completed. */
export function storedRunSummary(store: HistoryReader, experiment: ExperimentDetail, run: RunRecord, name = run.name): RunSummary {
  const norms = new Map(store.getRunMeans(run.id).map((mean) => [mean.layer, mean.norm]));
  return {
    name,
    dataset: run.datasetName,
    prompt: run.promptName,
    num_samples: run.numSamplesPlanned,
    seed: run.seed ?? 0,
    pooling: experiment.pooling ?? 'mean',
    layer_indices: [...run.layerIndices],
    mean_activation_norms: run.layerIndices.flatMap((layer) => norms.get(layer) ?? []),
    system_prompt: run.systemPrompt,
    sample_indices: run.sampleIndices ?? [],
  };
}

/** Each run in CoTLab's results.json layout; norms are empty for a run that never completed. */
export function storedRunSummaries(store: HistoryReader, experiment: ExperimentDetail): RunSummary[] {
  return experiment.runs.map((run) => storedRunSummary(store, experiment, run));
}

/** The findings of each compared pair, as the run computed and stored them, in run order. */
export function storedFindings(store: HistoryReader, experiment: ExperimentDetail): PairFindings[] {
  return store.getPairs(experiment.id).map((pair) => pair.findings);
}

/** The newest probe of each run and label, in run order: what reports show. */
export function currentProbes(store: HistoryReader, experiment: ExperimentDetail): ProbeRecord[] {
  const newest = new Map<string, StoredProbe>();
  for (const probe of store.getProbes(experiment.id)) newest.set(`${probe.runId}\u0000${probe.labelField ?? ''}`, probe);
  const runOrder = new Map(experiment.runs.map((run) => [run.id, run.runIndex]));
  return [...newest.values()]
    .sort((a, b) => (runOrder.get(a.runId) ?? 0) - (runOrder.get(b.runId) ?? 0) || a.id - b.id)
    .map((probe) => probe.record);
}

/** Stored per-layer rows regrouped into CoTLab comparisons (layers in run A's order). */
export function storedComparisons(store: HistoryReader, experiment: ExperimentDetail, perLayer: boolean): Comparison[] {
  const runsById = new Map(experiment.runs.map((run) => [run.id, run]));
  const groups = new Map<string, { a: RunRecord; b: RunRecord; byLayer: Map<number, { cosine: number; l2: number }> }>();
  for (const row of store.getComparisons(experiment.id)) {
    const key = `${row.runAId}:${row.runBId}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = { a: runsById.get(row.runAId) as RunRecord, b: runsById.get(row.runBId) as RunRecord, byLayer: new Map() };
      groups.set(key, group);
    }
    group.byLayer.set(row.layer, { cosine: row.cosine, l2: row.l2 });
  }
  return [...groups.values()].map(({ a, b, byLayer }) => {
    const layers = a.layerIndices.filter((layer) => byLayer.has(layer));
    const cosines = layers.map((layer) => byLayer.get(layer)?.cosine as number);
    const distances = layers.map((layer) => byLayer.get(layer)?.l2 as number);
    return comparisonOf(a.name, b.name, layers, cosines, distances, perLayer);
  });
}

export function storedMetrics(
  experiment: ExperimentDetail,
  comparisons: readonly Comparison[],
  mode: ComparisonMode,
): ActivationCompareMetrics {
  return {
    num_runs: experiment.runs.length,
    num_layers: experiment.runs[0]?.layerIndices.length ?? 0,
    comparison_mode: mode,
    pooling: experiment.pooling ?? 'mean',
    pair_count: comparisons.length,
  };
}

/** The model's config as the model folder says today (null when it is gone); model type and layer count are not stored. */
function modelConfigOf(modelDir: string | null): ModelConfig | null {
  if (modelDir === null) return null;
  try {
    return readModelConfig(path.join(modelDir, 'config.json'));
  } catch {
    return null;
  }
}

function storedCapture(store: HistoryReader, experiment: ExperimentDetail, config: ResolvedConfig): CaptureRecord {
  const hook = experiment.hook ?? config.experiment.hook;
  const layers = experiment.runs[0]?.layerIndices ?? [];
  const truncated = experiment.runs.reduce(
    (sum, run) => sum + store.getRunSamples(run.id).filter((sample) => sample.truncated).length,
    0,
  );
  const runtime = storedRuntimeRecord(experiment.runtime);
  const modelConfig = modelConfigOf(experiment.modelDir);
  return {
    hook,
    hook_names: layers.map((layer) => hookName(layer, hook, modelConfig?.numLayers ?? null)),
    hook_description: HOOK_POINT_DESCRIPTIONS[hook],
    execution_provider: experiment.executionProvider ?? 'unknown',
    execution_provider_note: experiment.executionProviderNote,
    ...(runtime === null ? {} : { runtime }),
    model_dir: experiment.modelDir ?? '',
    model_type: modelConfig?.modelType ?? 'unknown',
    demo_model: experiment.demoModel,
    max_input_tokens: config.experiment.max_input_tokens,
    truncated_samples: truncated,
    answer_cue: config.experiment.answer_cue,
    ...(experiment.cluster?.kind === 'merged' ? { cluster: experiment.cluster } : {}),
  };
}

/**
 * The report input of a completed workbench experiment, rebuilt from the history. Not stored, so approximated:
 * per-run log times (the experiment's end), the per-prompt sample log and, for experiments recorded before the
 * history kept it, the runtime (both left out).
 */
export function storedReportInput(
  store: HistoryReader,
  experiment: ExperimentDetail,
  format: string,
  configDir: string,
): ReportInput {
  const config = requireCompletedWorkbench(experiment, format);
  const comparisons = storedComparisons(store, experiment, config.experiment.store_per_layer);
  const endTime = new Date(experiment.endedAt ?? experiment.lastActivityAt);
  const durationS = experiment.durationS ?? 0;
  return assembleReportInput(
    config,
    { configDir, appVersion: experiment.appVersion ?? 'unknown' },
    {
      startTime: new Date(experiment.startedAt),
      endTime,
      durationSeconds: durationS,
      runDurationSeconds: durationS,
      status: REPORT_STATUS[experiment.status],
    },
    {
      metrics: storedMetrics(experiment, comparisons, config.experiment.comparison_mode),
      runs: storedRunSummaries(store, experiment),
      runTimestamps: experiment.runs.map(() => endTime),
      comparisons,
      findings: storedFindings(store, experiment),
      probes: currentProbes(store, experiment),
      sampleLog: null,
      capture: storedCapture(store, experiment, config),
    },
    { notes: experiment.notes, tags: experiment.tags },
  );
}

/** A completed experiment of this workbench, with a config this version reads; else a clear refusal. */
export function requireCompletedWorkbench(experiment: ExperimentDetail, format: string): ResolvedConfig {
  if (experiment.source !== 'workbench') {
    throw new HistoryExportError(
      experiment.id,
      format,
      `it was imported from ${experiment.sourcePath ?? 'a CoTLab results.json'}; that file is its original report`,
    );
  }
  if (experiment.cluster?.kind === 'shard') {
    throw new HistoryExportError(
      experiment.id,
      format,
      `it is shard ${experiment.cluster.shard_index} of ${experiment.cluster.shard_count} of a cluster plan, a part of an experiment; merge the plan's shards (cotlab-wb merge PLAN_DIR) for its results`,
    );
  }
  if (experiment.status !== 'completed') {
    throw new HistoryExportError(experiment.id, format, `it has not completed (status ${experiment.status}); resume it first`);
  }
  const config = storedWorkbenchConfig(experiment);
  if (config === null) throw new HistoryExportError(experiment.id, format, 'its stored configuration is not readable by this version');
  return config;
}

/** Layers whose per-sample vectors the experiment kept (all runs capture the same layers). */
export function storedVectorLayers(experiment: ExperimentDetail): number[] {
  return (experiment.runs[0]?.layerIndices ?? []).filter((layer) => keepsLayerVector(experiment.vectorPolicy, layer));
}

/** One run's stored vectors of the given layers, with labels and dataset indices, in sample order. */
export function storedAnalysedRun(store: HistoryReader, run: RunRecord, layers: readonly number[]): AnalysedRun {
  const samples = store.getRunSamples(run.id);
  return {
    name: run.name,
    vectorsByLayer: layers.map((layer) => store.getRunVectors(run.id, layer)),
    labels: samples.map((sample) => sample.label),
    sampleIndices: samples.map((sample) => sample.datasetIndex),
    datasetHash: run.datasetHash,
  };
}

/**
 * The analyses of a completed experiment's compared pairs from its stored vectors (the same numbers the run
 * wrote, as the seed is the experiment's); empty when it kept no per-sample vectors.
 */
export function storedAnalyses(store: HistoryReader, experiment: ExperimentDetail, comparisons: readonly Comparison[]): PairAnalysis[] {
  const layers = storedVectorLayers(experiment);
  const config = storedWorkbenchConfig(experiment);
  if (layers.length === 0 || config === null || comparisons.length === 0) return [];
  const runs = experiment.runs.map((run) => storedAnalysedRun(store, run, layers));
  const indexOf = new Map(experiment.runs.map((run, index) => [run.name, index]));
  const pairs = comparisons.map((comparison) => [indexOf.get(comparison.run_a) as number, indexOf.get(comparison.run_b) as number] as const);
  return analyseRunPairs(runs, pairs, layers, config.experiment.seed);
}
