import type { Interval } from '../analytics/summary-stats.js';
import { DEFAULT_PROBE_SETTINGS, type LayerProbe, type ProbeLabel, type ProbeResult } from '../analytics/probing.js';
import { resolveVariants } from '../config/variants.js';
import { loadDataset } from '../datasets/load-dataset.js';
import type { LoadedDataset } from '../datasets/sample.js';
import type { DatasetSpec } from '../datasets/spec.js';
import type { ProbeLayerRecord, ProbeRecord } from '../results/probe-record.js';
import { SIGNIFICANCE_LEVEL } from '../results/significance.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail, RunRecord } from '../store/types.js';
import { sha256File } from './file-hash.js';
import { probeLayersInThreads } from './probe-in-threads.js';
import { ProbeError } from './history-errors.js';
import { storedAnalysedRun, storedVectorLayers, storedWorkbenchConfig } from './report-from-store.js';

export interface ProbeRequest {
  experimentId: number;
  /** One run by name; null: every run of the experiment. */
  runName: string | null;
  folds: number;
  /** A metadata field of the dataset to probe instead of its label; null: the label. */
  labelField: string | null;
  /** Relative dataset paths in the stored config resolve against this (needed for labelField only). */
  dataRoot: string;
  /** Reads a run's dataset for labelField (default: loadDataset on this thread; a service reads it in a thread of its own). */
  readDataset?: (spec: DatasetSpec, dataRoot: string) => Promise<LoadedDataset>;
  /** Stops the probe (its threads end, nothing more is stored) with a ProbeCancelledError. */
  signal?: AbortSignal;
}

function pair(interval: Interval): [number, number] {
  return [interval.low, interval.high];
}

function layerRecord(layer: LayerProbe): ProbeLayerRecord {
  return {
    layer: layer.layer,
    accuracy: layer.scores.accuracy,
    accuracy_ci: pair(layer.accuracyCi),
    balanced_accuracy: layer.scores.balancedAccuracy,
    balanced_accuracy_ci: pair(layer.balancedAccuracyCi),
    macro_f1: layer.scores.macroF1,
    macro_f1_ci: pair(layer.macroF1Ci),
    fold_accuracies: layer.foldAccuracies,
    accuracy_se: layer.accuracySe,
    majority_accuracy: layer.majorityAccuracy,
    control_accuracy: layer.controlAccuracy,
    selectivity: layer.selectivity,
    chosen_c: layer.chosenC,
    confusion: layer.confusion,
    ridge_accuracy: layer.ridgeAccuracy,
    p_value: layer.pValue,
    p_value_holm: layer.pValueHolm,
    unconverged_fits: layer.unconvergedFits,
  };
}

/** A probe result in results.json's vocabulary. */
export function probeRecord(run: string, labelField: string | null, samples: number, result: ProbeResult, createdAt: Date): ProbeRecord {
  const { settings } = result;
  return {
    run,
    label_field: labelField,
    created_at: createdAt.toISOString(),
    samples,
    classes: result.classes,
    class_counts: result.classCounts,
    best_layer: result.bestLayer,
    earliest_within_one_se: result.earliestWithinOneSe,
    layers_beyond_chance: result.layersBeyondChance,
    settings: {
      folds: settings.folds,
      inner_folds: settings.innerFolds,
      c_grid: settings.cGrid,
      seed: settings.seed,
      bootstrap_resamples: settings.bootstrapResamples,
      confidence_level: settings.confidenceLevel,
      significance_level: settings.significanceLevel,
      permutations: result.permutations,
      permutation_rule: result.permutationRule,
      ridge_lambda_per_sample: result.ridgeLambdaPerSample,
    },
    layers: result.layers.map(layerRecord),
  };
}

/** The value of `field` in each sample's dataset metadata, from the run's dataset file as it was when run. */
async function metadataLabels(
  experiment: ExperimentDetail,
  run: RunRecord,
  field: string,
  request: ProbeRequest,
  sampleIndices: number[],
): Promise<ProbeLabel[]> {
  const spec = runDatasetSpec(experiment, run);
  if (spec === null) {
    throw new ProbeError(experiment.id, `its stored configuration does not say how run "${run.name}"'s dataset was read, so --label-field cannot be used`);
  }
  const dataset = await (request.readDataset ?? loadDataset)(spec, request.dataRoot);
  if (run.datasetHash !== null && (await sha256File(dataset.path)) !== run.datasetHash) {
    throw new ProbeError(experiment.id, `the dataset file ${dataset.path} of run "${run.name}" changed since the run, so its metadata no longer matches the samples`);
  }
  return sampleIndices.map((index) => {
    const sample = dataset.samples[index];
    if (sample === undefined || !Object.hasOwn(sample.metadata, field)) {
      const fields = Object.keys(dataset.samples[0]?.metadata ?? {}).join(', ');
      throw new ProbeError(experiment.id, `sample ${index} of ${dataset.path} has no metadata field "${field}" (fields: ${fields || 'none'})`);
    }
    const value = sample.metadata[field];
    return typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' ? value : value === null || value === undefined ? null : JSON.stringify(value);
  });
}

/** How a stored run's dataset was read, from the experiment's stored config; null when it does not say. */
export function runDatasetSpec(experiment: ExperimentDetail, run: RunRecord): DatasetSpec | null {
  const config = storedWorkbenchConfig(experiment);
  return (config === null ? undefined : resolveVariants(config)[run.runIndex])?.dataset ?? null;
}

/** Why a stored run cannot be probed, in words; null when it can. */
export function probeUnavailable(experiment: ExperimentDetail, run: RunRecord): string | null {
  if (experiment.source !== 'workbench') return 'it was imported from CoTLab, which keeps no per-sample vectors';
  if (storedVectorLayers(experiment).length === 0) return 'it kept no per-sample vectors (--store-vectors means); run it again with --store-vectors all';
  if (run.status !== 'completed') return `its run "${run.name}" has not completed (${run.status}); resume the experiment first`;
  return null;
}

/**
 * Probes the stored per-sample vectors of an experiment's runs (every layer whose vectors were kept) and stores
 * each probe with the experiment. No forward pass: the vectors recorded by the run are the features.
 */
export async function probeStoredRuns(store: HistoryStore, request: ProbeRequest): Promise<ProbeRecord[]> {
  const experiment = store.getExperiment(request.experimentId);
  const layers = storedVectorLayers(experiment);
  const runs = request.runName === null ? experiment.runs : experiment.runs.filter((run) => run.name === request.runName);
  if (runs.length === 0) {
    throw new ProbeError(experiment.id, `it has no run "${request.runName}" (its runs: ${experiment.runs.map((run) => run.name).join(', ')})`);
  }
  const seed = storedWorkbenchConfig(experiment)?.experiment.seed ?? 0;
  const records: ProbeRecord[] = [];
  for (const run of runs) {
    const unavailable = probeUnavailable(experiment, run);
    if (unavailable !== null) throw new ProbeError(experiment.id, unavailable);
    const analysed = storedAnalysedRun(store, run, layers);
    const labels =
      request.labelField === null
        ? analysed.labels
        : await metadataLabels(experiment, run, request.labelField, request, analysed.sampleIndices);
    const result = await probeLayersInThreads({
      layers,
      vectorsByLayer: analysed.vectorsByLayer,
      labels,
      sampleIndices: analysed.sampleIndices,
      settings: { ...DEFAULT_PROBE_SETTINGS, folds: request.folds, seed, significanceLevel: SIGNIFICANCE_LEVEL },
    }, request.signal === undefined ? {} : { signal: request.signal });
    const record = probeRecord(run.name, request.labelField, labels.length, result, new Date());
    store.saveProbe(experiment.id, run.id, record);
    records.push(record);
  }
  return records;
}
