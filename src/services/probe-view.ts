import { currentProbes } from '../experiments/report-from-store.js';
import { probeStoredRuns, probeUnavailable, runDatasetSpec } from '../experiments/probe-stored-runs.js';
import type { DatasetSpec } from '../datasets/spec.js';
import type { LoadedDataset } from '../datasets/sample.js';
import type { ProbeLayerRecord, ProbeRecord } from '../results/probe-record.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail } from '../store/types.js';
import type { ApiRequest, ProbeLayerView, ProbeTarget, ProbeView } from '../contract/index.js';
import { EngineRequestError } from './engine-calls.js';
import { storedRunRef } from './layer-detail.js';
import type { ParsedDatasets } from './parsed-datasets.js';
import { shownSeed } from './result-view.js';

function layerView(layer: ProbeLayerRecord): ProbeLayerView {
  return {
    layer: layer.layer,
    accuracy: layer.accuracy,
    accuracyCi: { low: layer.accuracy_ci[0], high: layer.accuracy_ci[1] },
    balancedAccuracy: layer.balanced_accuracy,
    macroF1: layer.macro_f1,
    accuracySe: layer.accuracy_se,
    majorityAccuracy: layer.majority_accuracy,
    controlAccuracy: layer.control_accuracy,
    selectivity: layer.selectivity,
    pValue: layer.p_value,
    pValueHolm: layer.p_value_holm,
    confusion: layer.confusion,
    unconvergedFits: layer.unconverged_fits,
  };
}

/** A stored probe in the UI's vocabulary: its findings (best layer, Holm, layers beyond chance) as stored. */
export function probeView(experiment: ExperimentDetail, record: ProbeRecord): ProbeView {
  const { settings } = record;
  return {
    run: { experimentId: String(experiment.id), runName: record.run },
    labelField: record.label_field,
    createdAt: record.created_at,
    samples: record.samples,
    classes: record.classes,
    classCounts: record.class_counts,
    bestLayer: record.best_layer,
    earliestWithinOneSe: record.earliest_within_one_se,
    layersBeyondChance: record.layers_beyond_chance,
    folds: settings.folds,
    innerFolds: settings.inner_folds,
    seed: shownSeed(settings.seed),
    confidenceLevel: settings.confidence_level,
    significanceLevel: settings.significance_level,
    permutations: settings.permutations,
    layers: record.layers.map(layerView),
  };
}

/** A run's dataset read in a dataset thread (the service's own thread does not parse it). */
function threadDatasetReader(datasets: ParsedDatasets, signal: AbortSignal | undefined) {
  return async (spec: DatasetSpec): Promise<LoadedDataset> => {
    const summary = await datasets.summary(spec, signal);
    if (summary.unloaded !== null) throw new EngineRequestError(summary.unloaded, 'bad_request');
    return { name: summary.name, path: summary.path, samples: await datasets.rows(spec, 0, summary.total, signal) };
  };
}

/** Probes one stored run in worker threads and stores the probe; `signal` stops it before anything is stored. */
export async function probeRun(
  store: HistoryStore,
  request: ApiRequest<'probeRun'>,
  dataRoot: string,
  datasets: ParsedDatasets,
  signal?: AbortSignal,
): Promise<ProbeView> {
  const { experiment } = storedRunRef(store, request.run);
  const [record] = await probeStoredRuns(store, {
    experimentId: experiment.id,
    runName: request.run.runName,
    folds: request.folds,
    labelField: request.labelField,
    dataRoot,
    readDataset: threadDatasetReader(datasets, signal),
    ...(signal === undefined ? {} : { signal }),
  });
  return probeView(experiment, record as ProbeRecord);
}

/** The metadata fields of a run's dataset samples; none when the dataset cannot be read now. */
async function metadataFields(experiment: ExperimentDetail, runIndex: number, datasets: ParsedDatasets): Promise<string[]> {
  const run = experiment.runs[runIndex];
  const spec = run === undefined ? null : runDatasetSpec(experiment, run);
  if (spec === null) return [];
  try {
    const [first] = await datasets.rows(spec, 0, 1);
    return Object.keys(first?.metadata ?? {});
  } catch {
    // A moved or changed dataset only means no fields to offer; probing the label still works.
    return [];
  }
}

/** The experiment's current probes (the newest of each run and label) and, per run, whether and what it can probe. */
export async function experimentProbes(store: HistoryStore, experiment: ExperimentDetail, datasets: ParsedDatasets): Promise<{ probes: ProbeView[]; targets: ProbeTarget[] }> {
  const targets = await Promise.all(
    experiment.runs.map(async (run, index): Promise<ProbeTarget> => {
      const unavailable = probeUnavailable(experiment, run);
      return { runName: run.name, unavailable, metadataFields: unavailable === null ? await metadataFields(experiment, index, datasets) : [] };
    }),
  );
  return { probes: currentProbes(store, experiment).map((record) => probeView(experiment, record)), targets };
}
