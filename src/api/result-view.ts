import type { ComparisonRecord, ExperimentDetail, ExperimentListItem, LayerMeanRecord, RunRecord } from '../store/types.js';
import type { ComparisonView, ExperimentSummary, ResultSet, RunView } from './contract.js';

/** A history list item in the UI's vocabulary. */
export function summaryFromListItem(item: ExperimentListItem): ExperimentSummary {
  return {
    id: String(item.id),
    createdAt: item.startedAt,
    model: item.modelName ?? 'unknown model',
    variants: item.variants,
    samples: item.totalSamples,
    durationSeconds: item.durationS,
    status: item.status,
    pooling: item.pooling,
    demoModel: item.demoModel,
  };
}

export function summaryFromDetail(detail: ExperimentDetail): ExperimentSummary {
  return {
    id: String(detail.id),
    createdAt: detail.startedAt,
    model: detail.modelName ?? 'unknown model',
    variants: detail.runs.map((run) => run.name),
    samples: detail.runs.reduce((sum, run) => sum + run.completedSamples, 0),
    durationSeconds: detail.durationS,
    status: detail.status,
    pooling: detail.pooling,
    demoModel: detail.demoModel,
  };
}

/** One stored run with its per-layer norms; `label` is qualified by the experiment when asked to. */
export function runView(experimentId: number, run: RunRecord, means: readonly LayerMeanRecord[], qualify: boolean, pooling: RunView['pooling']): RunView {
  return {
    ref: { experimentId: String(experimentId), runName: run.name },
    label: qualify ? `${run.name}#${experimentId}` : run.name,
    dataset: run.datasetName,
    prompt: run.promptName,
    numSamples: run.completedSamples,
    seed: run.seed ?? 0,
    pooling,
    layerIndices: means.map((mean) => mean.layer),
    meanActivationNorms: means.map((mean) => mean.norm),
  };
}

/**
 * The store keeps one row per pair and layer; the UI wants one comparison per pair with per-layer arrays, in the
 * order the pairs were first stored. Bands are given only when every layer of the pair has both bounds.
 */
export function comparisonViews(records: readonly ComparisonRecord[]): ComparisonView[] {
  const byPair = new Map<string, ComparisonRecord[]>();
  for (const record of records) {
    const key = `${record.runAId}:${record.runBId}`;
    const rows = byPair.get(key) ?? [];
    rows.push(record);
    byPair.set(key, rows);
  }
  return [...byPair.values()].map((rows) => {
    const sorted = [...rows].sort((a, b) => a.layer - b.layer);
    const first = sorted[0] as ComparisonRecord;
    const cosines = sorted.map((row) => row.cosine);
    const distances = sorted.map((row) => row.l2);
    const band = (low: (row: ComparisonRecord) => number | null, high: (row: ComparisonRecord) => number | null) =>
      sorted.every((row) => low(row) !== null && high(row) !== null)
        ? { low: sorted.map((row) => low(row) as number), high: sorted.map((row) => high(row) as number) }
        : null;
    return {
      runA: first.runAName,
      runB: first.runBName,
      layerIndices: sorted.map((row) => row.layer),
      meanCosineSimilarity: mean(cosines),
      meanL2Distance: mean(distances),
      layerCosineSimilarity: cosines,
      layerL2Distance: distances,
      cosineBand: band((row) => row.cosineCiLow, (row) => row.cosineCiHigh),
      l2Band: band((row) => row.l2CiLow, (row) => row.l2CiHigh),
    };
  });
}

/** One stored experiment as the Results screen shows it. */
export function resultSetFromStore(
  detail: ExperimentDetail,
  meansByRun: ReadonlyMap<number, readonly LayerMeanRecord[]>,
  comparisons: readonly ComparisonRecord[],
): ResultSet {
  const pooling = detail.pooling ?? 'last_token';
  return {
    experiment: summaryFromDetail(detail),
    runs: detail.runs.map((run) => runView(detail.id, run, meansByRun.get(run.id) ?? [], false, pooling)),
    comparisons: comparisonViews(comparisons),
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
