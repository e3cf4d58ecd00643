import { runsArePaired } from '../experiments/analyse.js';
import type { Seed } from '../results/seed.js';
import { compareStoredRuns, type StoredRunComparison, type StoredRunRef } from '../experiments/compare-stored-runs.js';
import { analysisSettingsOf } from '../analytics/divergence.js';
import { storedVectorLayers } from '../experiments/report-from-store.js';
import type { AnalysisSettingsRecord } from '../results/analysis-settings.js';
import { holmPValueAt, type PairFindings } from '../results/findings.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ComparisonRecord, ExperimentDetail, ExperimentListItem, LayerMeanRecord, PairRecord, RunRecord } from '../store/types.js';
import type {
  AnalysisSettings,
  ComparisonView,
  ExperimentSummary,
  LayerComparison,
  PairFindingsView,
  ResultSet,
  RunRef,
  RunView,
} from '../contract/index.js';

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
    experimentType: experimentTypeOf(item.name),
    hasAnswers: item.hasAnswers,
  };
}

/** The results screen an experiment needs, by its stored name (imports from CoTLab are activation_compare). */
export function experimentTypeOf(name: string): ExperimentSummary['experimentType'] {
  return name === 'classification' || name === 'logit_lens' ? name : 'activation_compare';
}

export function summaryFromDetail(detail: ExperimentDetail, hasAnswers: boolean): ExperimentSummary {
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
    experimentType: experimentTypeOf(detail.name),
    hasAnswers,
  };
}

/** How a pair's analytics were computed, as stored with them. */
export function analysisSettingsView(settings: AnalysisSettingsRecord): AnalysisSettings {
  return {
    confidenceLevel: settings.confidence_level,
    bootstrapResamples: settings.n_boot,
    permutations: settings.n_perm,
    significanceLevel: settings.significance_level,
    seed: shownSeed(settings.seed),
    resampling: settings.resampling,
  };
}

/** A pair's findings in the UI's vocabulary (the engine's, unchanged). */
export function findingsView(findings: PairFindings): PairFindingsView {
  return {
    lowestCosineLayers: findings.lowest_cosine_layers,
    highestL2Layers: findings.highest_l2_layers,
    highestRelativeL2Layers: findings.highest_relative_l2_layers,
    layersBeyondChance: findings.layers_beyond_chance,
    testedLayers: findings.tested_layers,
    significanceLevel: findings.significance_level,
  };
}

function runRef(experiment: ExperimentDetail, run: RunRecord): RunRef {
  return { experimentId: String(experiment.id), runName: run.name };
}

/** One stored run with its per-layer norms, under the label it is shown with; what was not recorded stays null. */
export function runView(experiment: ExperimentDetail, run: RunRecord, means: readonly LayerMeanRecord[], label: string): RunView {
  return {
    ref: runRef(experiment, run),
    label,
    dataset: run.datasetName,
    prompt: run.promptName,
    numSamples: run.completedSamples,
    seed: run.seed === null ? null : shownSeed(run.seed),
    pooling: experiment.pooling,
    layerIndices: means.map((mean) => mean.layer),
    meanActivationNorms: means.map((mean) => mean.norm),
    vectorsStored: storedVectorLayers(experiment).length > 0,
  };
}

function interval(low: number | null, high: number | null): LayerComparison['cosineCi'] {
  return low === null || high === null ? null : { low, high };
}

/** A pair's layers from the rows the history stored for it (analytics included when the run computed them). */
export function layersFromRecords(records: readonly ComparisonRecord[]): LayerComparison[] {
  return [...records]
    .sort((a, b) => a.layer - b.layer)
    .map((row) => ({
      layer: row.layer,
      cosine: row.cosine,
      l2: row.l2,
      cosineCi: interval(row.cosineCiLow, row.cosineCiHigh),
      l2Ci: interval(row.l2CiLow, row.l2CiHigh),
      pValue: row.pValue,
      pValueHolm: row.pValueHolm,
      cka: row.cka,
      centredCosine: row.centredCosine,
      relativeL2: row.relativeL2,
    }));
}

function pairedRecords(a: RunRecord, b: RunRecord): boolean {
  return (
    a.sampleIndices !== null &&
    b.sampleIndices !== null &&
    runsArePaired({ datasetHash: a.datasetHash, sampleIndices: a.sampleIndices }, { datasetHash: b.datasetHash, sampleIndices: b.sampleIndices })
  );
}

/** One stored experiment as the Results screen shows it: its runs and every pair it compared, with analytics. */
export function storedResultSet(store: HistoryReader, experiment: ExperimentDetail): ResultSet {
  const runsById = new Map(experiment.runs.map((run) => [run.id, run]));
  const rows = store.getComparisons(experiment.id);
  const comparisons = store.getPairs(experiment.id).flatMap((pair: PairRecord): ComparisonView[] => {
    const a = runsById.get(pair.runAId);
    const b = runsById.get(pair.runBId);
    if (a === undefined || b === undefined) return [];
    return [
      {
        runA: a.name,
        runB: b.name,
        refA: runRef(experiment, a),
        refB: runRef(experiment, b),
        paired: pairedRecords(a, b),
        meanCosineSimilarity: pair.findings.mean_cosine_similarity,
        meanL2Distance: pair.findings.mean_l2_distance,
        layers: layersFromRecords(rows.filter((row) => row.runAId === pair.runAId && row.runBId === pair.runBId)),
        findings: findingsView(pair.findings),
        analysis: pair.analysis === null ? null : analysisSettingsView(pair.analysis),
      },
    ];
  });
  return {
    experiment: summaryFromDetail(experiment, experiment.name === 'classification' || store.getFindings(experiment.id, 'classification') !== null),
    runs: experiment.runs.map((run) => runView(experiment, run, store.getRunMeans(run.id), run.name)),
    comparisons,
  };
}

/** A cross-experiment comparison's layers: cosine/L2 of the means, with the analysis of the layers it covers. */
export function layersFromStoredComparison(comparison: StoredRunComparison): LayerComparison[] {
  const analysed = new Map(comparison.analysis?.perLayer.map((layer) => [layer.layer, layer]));
  return comparison.layers.map((stored) => {
    const layer = analysed.get(stored.layer);
    return {
      layer: stored.layer,
      cosine: stored.cosine,
      l2: stored.l2,
      cosineCi: layer?.cosineCi ?? null,
      l2Ci: layer?.l2Ci ?? null,
      pValue: layer?.pValue ?? null,
      pValueHolm: holmPValueAt(comparison.findings, stored.layer),
      cka: layer?.paired?.cka ?? null,
      centredCosine: layer?.centredCosine ?? null,
      relativeL2: stored.relativeL2,
    };
  });
}

/**
 * Runs picked from any experiments, compared pair by pair with the engine's compareStoredRuns (means, and the
 * analytics from the stored per-sample vectors). Runs are labelled `EXPERIMENT:RUN`.
 */
export function crossExperimentResultSet(store: HistoryReader, picked: readonly StoredRunRef[]): ResultSet {
  const comparisons: ComparisonView[] = [];
  for (let i = 0; i < picked.length; i++) {
    for (let j = i + 1; j < picked.length; j++) {
      const a = picked[i] as StoredRunRef;
      const b = picked[j] as StoredRunRef;
      const compared = compareStoredRuns(store, a, b);
      comparisons.push({
        runA: a.label,
        runB: b.label,
        refA: runRef(a.experiment, a.run),
        refB: runRef(b.experiment, b.run),
        paired: compared.paired,
        meanCosineSimilarity: compared.findings.mean_cosine_similarity,
        meanL2Distance: compared.findings.mean_l2_distance,
        layers: layersFromStoredComparison(compared),
        findings: findingsView(compared.findings),
        analysis: compared.analysis === null ? null : analysisSettingsView(analysisSettingsOf(compared.analysis)),
      });
    }
  }
  return {
    experiment: null,
    runs: picked.map(({ experiment, run, label }) => runView(experiment, run, store.getRunMeans(run.id), label)),
    comparisons,
  };
}
