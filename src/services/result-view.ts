import { analysisSettingsOf } from '../analytics/divergence.js';
import { norm } from '../analytics/vector-math.js';
import { runsArePaired } from '../experiments/analyse.js';
import type { StoredRunComparison, StoredRunRef } from '../experiments/compare-stored-runs.js';
import { comparePicks, labelledPicks } from '../experiments/picked-runs.js';
import { compareRuns, pairsFor } from '../experiments/metrics.js';
import type { PartialRunMeans } from '../experiments/partial-run-means.js';
import { storedVectorLayers, storedWorkbenchConfig } from '../experiments/report-from-store.js';
import { storedRunsWithSettings } from '../experiments/stored-run-settings.js';
import type { AnalysisSettingsRecord } from '../results/analysis-settings.js';
import { holmPValueAt, pairFindings, type PairFindings } from '../results/findings.js';
import {
  differingSettings,
  distinguishingEntries,
  nameWithDifferences,
  namesakeDifferences,
  settingEntries,
  type NamedRunSettings,
} from '../results/run-settings.js';
import type { Seed } from '../results/seed.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ComparisonRecord, ExperimentDetail, ExperimentListItem, PairRecord, RunRecord } from '../store/types.js';
import type {
  AnalysisSettings,
  ComparisonView,
  ExperimentSummary,
  LayerComparison,
  PairFindingsView,
  PairHeadline,
  ResultSet,
  RunRef,
  RunSettingsView,
  RunView,
} from '../contract/index.js';

/** A seed as the contract shows it: the number, or its exact digits beyond the safe integers. */
export function shownSeed(seed: Seed): number | string {
  return typeof seed === 'bigint' ? seed.toString() : seed;
}

/** A pair's headline numbers, read from its stored findings. */
export function pairHeadline(findings: PairFindings): PairHeadline {
  return {
    runA: findings.run_a,
    runB: findings.run_b,
    lowestCosine: findings.lowest_cosine_layers[0] ?? null,
    highestL2: findings.highest_l2_layers[0] ?? null,
    layersBeyondChance: findings.layers_beyond_chance === null ? null : findings.layers_beyond_chance.length,
    testedLayers: findings.tested_layers,
  };
}

/** The results screen an experiment needs, by its stored name (imports from CoTLab are activation_compare). */
export function experimentTypeOf(name: string): ExperimentSummary['experimentType'] {
  return name === 'classification' || name === 'logit_lens' ? name : 'activation_compare';
}

/** Each run of an experiment with every setting, those that set it apart within the experiment, and its label. */
function runSettingsViews(runs: readonly NamedRunSettings[], labels: readonly string[]): RunSettingsView[] {
  const distinguishing = distinguishingEntries(runs.map((run) => run.settings));
  return runs.map((run, i) => ({
    name: run.name,
    label: labels[i] ?? run.name,
    settings: settingEntries(run.settings),
    differences: distinguishing[i] ?? [],
  }));
}

/**
 * One experiment of the history with its runs' settings and its pairs' headline numbers. `labels` name the runs
 * (default: their names).
 */
export function experimentSummary(store: HistoryReader, experiment: ExperimentDetail, labels?: readonly string[]): ExperimentSummary {
  const runs = storedRunsWithSettings(experiment);
  return {
    id: String(experiment.id),
    createdAt: experiment.startedAt,
    model: experiment.modelName ?? 'unknown model',
    variants: experiment.runs.map((run) => run.name),
    samples: experiment.runs.reduce((sum, run) => sum + run.completedSamples, 0),
    durationSeconds: experiment.durationS,
    status: experiment.status,
    pooling: experiment.pooling,
    demoModel: experiment.demoModel,
    source: experiment.source,
    runs: runSettingsViews(runs, labels ?? runs.map((run) => run.name)),
    pairs: store.getPairs(experiment.id).map((pair) => pairHeadline(pair.findings)),
    notes: experiment.notes,
    tags: experiment.tags,
    error: experiment.error,
    experimentType: experimentTypeOf(experiment.name),
    hasAnswers: experiment.name === 'classification' || store.getFindings(experiment.id, 'classification') !== null,
  };
}

/**
 * A page of the history as the History screen lists it: each experiment with its runs' settings, a run's label
 * naming what tells it from listed runs of the same name in other experiments.
 */
export function historyPage(store: HistoryReader, items: readonly ExperimentListItem[]): ExperimentSummary[] {
  const experiments = items.map((item) => store.getExperiment(item.id));
  const runs = experiments.flatMap(storedRunsWithSettings);
  const phrases = namesakeDifferences(runs);
  let offset = 0;
  return experiments.map((experiment) => {
    const labels = experiment.runs.map((run, i) => nameWithDifferences(run.name, phrases[offset + i] ?? null));
    offset += experiment.runs.length;
    return experimentSummary(store, experiment, labels);
  });
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

/** A run's per-layer norms: of its stored means once completed, else of the mean of the samples stored so far. */
interface RunNorms {
  layerIndices: number[];
  norms: number[];
  partial: boolean;
}

function runNorms(store: HistoryReader, experiment: ExperimentDetail, run: RunRecord, partial: PartialRunMeans): RunNorms {
  const stored = store.getRunMeans(run.id);
  if (run.status === 'completed' || stored.length > 0) {
    partial.forget(run.id);
    return { layerIndices: stored.map((mean) => mean.layer), norms: stored.map((mean) => mean.norm), partial: false };
  }
  const means = partial.means(store, run, storedVectorLayers(experiment));
  return {
    layerIndices: means.layerIndices,
    norms: means.layerIndices.map((layer) => norm(means.meanByLayer.get(layer) as Float32Array)),
    partial: true,
  };
}

/** One stored run under the label it is shown with, with its settings and those that set it apart from `others`. */
function runView(
  experiment: ExperimentDetail,
  run: RunRecord,
  norms: RunNorms,
  label: string,
  settings: RunSettingsView,
): RunView {
  return {
    ref: runRef(experiment, run),
    label,
    dataset: run.datasetName,
    prompt: run.promptName,
    numSamples: run.completedSamples,
    seed: run.seed === null ? null : shownSeed(run.seed),
    pooling: experiment.pooling,
    layerIndices: norms.layerIndices,
    meanActivationNorms: norms.norms,
    vectorsStored: storedVectorLayers(experiment).length > 0,
    settings: settings.settings,
    differences: settings.differences,
    status: run.status,
    samplesDone: run.completedSamples,
    samplesPlanned: run.numSamplesPlanned,
    partial: norms.partial,
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
      l2NoiseFloor: row.l2NoiseFloor,
      l2Debiased: row.l2Debiased,
      cohensDHeldOut: row.cohensDHeldOut,
    }));
}

function pairedRecords(a: RunRecord, b: RunRecord): boolean {
  return (
    a.sampleIndices !== null &&
    b.sampleIndices !== null &&
    runsArePaired({ datasetHash: a.datasetHash, sampleIndices: a.sampleIndices }, { datasetHash: b.datasetHash, sampleIndices: b.sampleIndices })
  );
}

/**
 * The pairs of an experiment that has not stored its comparisons yet (it is running, or stopped early), compared
 * on the means of the samples stored so far: cosine and L2 only, ranked as any pair's findings are.
 */
function partialComparisons(store: HistoryReader, experiment: ExperimentDetail, partial: PartialRunMeans): ComparisonView[] {
  const spec = storedWorkbenchConfig(experiment)?.experiment;
  const mode = spec === undefined || spec.name === 'logit_lens' ? 'pairwise' : spec.comparison_mode;
  const layers = storedVectorLayers(experiment);
  const means = experiment.runs.map((run) => partial.means(store, run, layers));
  return pairsFor(
    experiment.runs.map((run) => run.name),
    mode,
  ).flatMap(([i, j]): ComparisonView[] => {
    const a = experiment.runs[i] as RunRecord;
    const b = experiment.runs[j] as RunRecord;
    const meansA = means[i];
    const meansB = means[j];
    if (meansA === undefined || meansB === undefined || meansA.layerIndices.length === 0 || meansB.layerIndices.length === 0) return [];
    const comparison = compareRuns(meansA, meansB, true);
    const cosines = comparison.layer_cosine_similarity ?? [];
    const distances = comparison.layer_l2_distance ?? [];
    const findings = pairFindings(
      a.name,
      b.name,
      comparison.layer_indices.map((layer, k) => ({ layer, cosine: cosines[k] as number, l2: distances[k] as number, pValue: null, centredCosine: null, relativeL2: null })),
      { cosine: comparison.mean_cosine_similarity, l2: comparison.mean_l2_distance },
    );
    return [
      {
        runA: a.name,
        runB: b.name,
        refA: runRef(experiment, a),
        refB: runRef(experiment, b),
        paired: false,
        meanCosineSimilarity: comparison.mean_cosine_similarity,
        meanL2Distance: comparison.mean_l2_distance,
        layers: comparison.layer_indices.map((layer, k) => ({
          layer,
          cosine: cosines[k] as number,
          l2: distances[k] as number,
          cosineCi: null,
          l2Ci: null,
          pValue: null,
          pValueHolm: null,
          cka: null,
          centredCosine: null,
          relativeL2: null,
          l2NoiseFloor: null,
          l2Debiased: null,
          cohensDHeldOut: null,
        })),
        findings: findingsView(findings),
        analysis: null,
        partial: true,
      },
    ];
  });
}

/**
 * One stored experiment as the Results screen shows it: its runs (with what sets each apart) and every pair it
 * compared, with analytics. While it runs (or when it stopped early) the runs show the samples stored so far and
 * the pairs are compared on their means so far.
 */
export function storedResultSet(store: HistoryReader, experiment: ExperimentDetail, partial: PartialRunMeans): ResultSet {
  const runsById = new Map(experiment.runs.map((run) => [run.id, run]));
  const rows = store.getComparisons(experiment.id);
  const stored = store.getPairs(experiment.id).flatMap((pair: PairRecord): ComparisonView[] => {
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
        partial: false,
      },
    ];
  });
  const comparisons = stored.length === 0 && experiment.status !== 'completed' ? partialComparisons(store, experiment, partial) : stored;
  const summary = experimentSummary(store, experiment);
  return {
    experiment: summary,
    runs: experiment.runs.map((run, i) =>
      runView(experiment, run, runNorms(store, experiment, run, partial), run.name, summary.runs[i] as RunSettingsView),
    ),
    comparisons,
    differingSettings: differingSettings(storedRunsWithSettings(experiment).map((run) => run.settings)),
    live: experiment.status === 'running',
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
      l2NoiseFloor: layer?.l2NoiseFloor ?? null,
      l2Debiased: layer?.l2Debiased ?? null,
      cohensDHeldOut: layer?.direction.cohensDHeldOut ?? null,
    };
  });
}

/**
 * Runs picked from any experiments, compared pair by pair with the engine's compareStoredRuns (means, and the
 * analytics from the stored per-sample vectors), with the settings diff of the runs.
 */
export function crossExperimentResultSet(store: HistoryReader, picked: readonly StoredRunRef[], partial: PartialRunMeans): ResultSet {
  const picks = labelledPicks(picked);
  const comparisons = comparePicks(store, picks).map(({ a, b, compared }) => ({
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
    partial: false,
  }));
  const settings = runSettingsViews(
    picks.map((pick) => pick.settings),
    picks.map((pick) => pick.label),
  );
  return {
    experiment: null,
    runs: picks.map(({ experiment, run, label }, i) =>
      runView(experiment, run, runNorms(store, experiment, run, partial), label, settings[i] as RunSettingsView),
    ),
    comparisons,
    differingSettings: differingSettings(picks.map((pick) => pick.settings.settings)),
    live: false,
  };
}
