import { CONFIDENCE_LEVEL, type PairAnalysis } from '../analytics/divergence.js';
import { holmAdjust } from '../analytics/summary-stats.js';
import type { Seed } from '../config/seed.js';
import { analysisOptionsFor, runsArePaired } from '../experiments/analyse.js';
import { compareStoredRuns, type StoredRunComparison, type StoredRunRef } from '../experiments/compare-stored-runs.js';
import { SIGNIFICANCE_LEVEL } from '../experiments/divergence-json.js';
import { storedVectorLayers, storedWorkbenchConfig } from '../experiments/report-from-store.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ComparisonRecord, ExperimentDetail, ExperimentListItem, LayerMeanRecord, RunRecord } from '../store/types.js';
import type { AnalysisSettings, ComparisonView, ExperimentSummary, LayerComparison, ResultSet, RunRef, RunView } from './contract.js';

/** A seed as the contract shows it: the number, or its exact digits beyond the safe integers. */
export function shownSeed(seed: Seed): number | string {
  return typeof seed === 'bigint' ? seed.toString() : seed;
}

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
    source: item.source,
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
    source: detail.source,
  };
}

/** How a pair's analytics over `layerCount` layers were computed with this seed (the engine's resampling counts). */
export function analysisSettings(seed: Seed, layerCount: number, permutations?: number): AnalysisSettings {
  const options = analysisOptionsFor(seed, layerCount);
  return {
    confidenceLevel: CONFIDENCE_LEVEL,
    bootstrapResamples: options.nBoot,
    permutations: permutations ?? options.nPerm,
    significanceLevel: SIGNIFICANCE_LEVEL,
    seed: shownSeed(options.seed),
  };
}

function runRef(experiment: ExperimentDetail, run: RunRecord): RunRef {
  return { experimentId: String(experiment.id), runName: run.name };
}

/** One stored run with its per-layer norms, under the label it is shown with. */
export function runView(experiment: ExperimentDetail, run: RunRecord, means: readonly LayerMeanRecord[], label: string): RunView {
  return {
    ref: runRef(experiment, run),
    label,
    dataset: run.datasetName,
    prompt: run.promptName,
    numSamples: run.completedSamples,
    seed: shownSeed(run.seed ?? 0),
    pooling: experiment.pooling ?? 'last_token',
    layerIndices: means.map((mean) => mean.layer),
    meanActivationNorms: means.map((mean) => mean.norm),
    vectorsStored: storedVectorLayers(experiment).length > 0,
  };
}

function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Holm-adjusted p-values over a pair's layers; all null unless every layer was tested. */
function holmOver(pValues: readonly (number | null)[]): (number | null)[] {
  return pValues.every((p): p is number => p !== null) ? holmAdjust(pValues) : pValues.map(() => null);
}

function interval(low: number | null, high: number | null): LayerComparison['cosineCi'] {
  return low === null || high === null ? null : { low, high };
}

/** A pair's layers from the rows the history stored for it (analytics included when the run computed them). */
export function layersFromRecords(records: readonly ComparisonRecord[]): LayerComparison[] {
  const sorted = [...records].sort((a, b) => a.layer - b.layer);
  const holm = holmOver(sorted.map((row) => row.pValue));
  return sorted.map((row, k) => ({
    layer: row.layer,
    cosine: row.cosine,
    l2: row.l2,
    cosineCi: interval(row.cosineCiLow, row.cosineCiHigh),
    l2Ci: interval(row.l2CiLow, row.l2CiHigh),
    pValue: row.pValue,
    pValueHolm: holm[k] ?? null,
    cka: row.cka,
    centredCosine: row.centredCosine,
    relativeL2: row.relativeL2,
  }));
}

/** The stored rows of each compared pair, in the order the pairs were first stored. */
function rowsByPair(records: readonly ComparisonRecord[]): ComparisonRecord[][] {
  const byPair = new Map<string, ComparisonRecord[]>();
  for (const record of records) {
    const key = `${record.runAId}:${record.runBId}`;
    byPair.set(key, [...(byPair.get(key) ?? []), record]);
  }
  return [...byPair.values()];
}

function pairedRecords(a: RunRecord, b: RunRecord): boolean {
  return (
    a.sampleIndices !== null &&
    b.sampleIndices !== null &&
    runsArePaired({ datasetHash: a.datasetHash, sampleIndices: a.sampleIndices }, { datasetHash: b.datasetHash, sampleIndices: b.sampleIndices })
  );
}

/** One stored experiment as the Results screen shows it: its runs and every pair it compared, with analytics. */
export function storedResultSet(store: HistoryStore, experiment: ExperimentDetail): ResultSet {
  const runsById = new Map(experiment.runs.map((run) => [run.id, run]));
  const seed = storedWorkbenchConfig(experiment)?.experiment.seed ?? null;
  const comparisons = rowsByPair(store.getComparisons(experiment.id)).flatMap((rows): ComparisonView[] => {
    const first = rows[0];
    const a = first === undefined ? undefined : runsById.get(first.runAId);
    const b = first === undefined ? undefined : runsById.get(first.runBId);
    if (first === undefined || a === undefined || b === undefined) return [];
    const layers = layersFromRecords(rows);
    const analysed = layers.some((layer) => layer.cosineCi !== null || layer.pValue !== null);
    return [
      {
        runA: a.name,
        runB: b.name,
        refA: runRef(experiment, a),
        refB: runRef(experiment, b),
        paired: pairedRecords(a, b),
        meanCosineSimilarity: average(layers.map((layer) => layer.cosine)),
        meanL2Distance: average(layers.map((layer) => layer.l2)),
        layers,
        analysis: analysed && seed !== null ? analysisSettings(seed, layers.length, first.nPermutations ?? undefined) : null,
      },
    ];
  });
  return {
    experiment: summaryFromDetail(experiment),
    runs: experiment.runs.map((run) => runView(experiment, run, store.getRunMeans(run.id), run.name)),
    comparisons,
  };
}

/** A cross-experiment comparison's layers: cosine/L2 of the means, with the analysis of the layers it covers. */
export function layersFromStoredComparison(comparison: StoredRunComparison): LayerComparison[] {
  const analysed = new Map(comparison.analysis?.perLayer.map((layer) => [layer.layer, layer]));
  const holm = holmOver(comparison.analysis?.perLayer.map((layer) => layer.pValue) ?? []);
  const holmByLayer = new Map(comparison.analysis?.perLayer.map((layer, k) => [layer.layer, holm[k] ?? null]));
  return comparison.layers.map((stored) => {
    const layer = analysed.get(stored.layer);
    return {
      layer: stored.layer,
      cosine: stored.cosine,
      l2: stored.l2,
      cosineCi: layer?.cosineCi ?? null,
      l2Ci: layer?.l2Ci ?? null,
      pValue: layer?.pValue ?? null,
      pValueHolm: holmByLayer.get(stored.layer) ?? null,
      cka: layer?.paired?.cka ?? null,
      centredCosine: layer?.centredCosine ?? null,
      relativeL2: stored.relativeL2,
    };
  });
}

function settingsOf(analysis: PairAnalysis | null): AnalysisSettings | null {
  if (analysis === null) return null;
  return {
    confidenceLevel: analysis.confidenceLevel,
    bootstrapResamples: analysis.options.nBoot,
    permutations: analysis.options.nPerm,
    significanceLevel: SIGNIFICANCE_LEVEL,
    seed: shownSeed(analysis.options.seed),
  };
}

/**
 * Runs picked from any experiments, compared pair by pair with the engine's compareStoredRuns (means, and the
 * analytics from the stored per-sample vectors). Runs are labelled `EXPERIMENT:RUN`.
 */
export function crossExperimentResultSet(store: HistoryStore, picked: readonly StoredRunRef[]): ResultSet {
  const comparisons: ComparisonView[] = [];
  for (let i = 0; i < picked.length; i++) {
    for (let j = i + 1; j < picked.length; j++) {
      const a = picked[i] as StoredRunRef;
      const b = picked[j] as StoredRunRef;
      const compared = compareStoredRuns(store, a, b);
      const layers = layersFromStoredComparison(compared);
      comparisons.push({
        runA: a.label,
        runB: b.label,
        refA: runRef(a.experiment, a.run),
        refB: runRef(b.experiment, b.run),
        paired: compared.paired,
        meanCosineSimilarity: average(layers.map((layer) => layer.cosine)),
        meanL2Distance: average(layers.map((layer) => layer.l2)),
        layers,
        analysis: settingsOf(compared.analysis),
      });
    }
  }
  return {
    experiment: null,
    runs: picked.map(({ experiment, run, label }) => runView(experiment, run, store.getRunMeans(run.id), label)),
    comparisons,
  };
}
