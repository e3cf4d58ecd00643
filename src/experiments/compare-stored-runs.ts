import { DEFAULT_ANALYSIS_OPTIONS, relativeL2, type PairAnalysis } from '../analytics/divergence.js';
import { meanOverLayers, pairFindings, type PairFindings } from '../results/findings.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail, RunRecord } from '../store/types.js';
import { analyseRunPairs, runsArePaired } from './analyse.js';
import { IncomparableRunsError, RunRefError } from './history-errors.js';
import { compareRuns } from './metrics.js';
import { storedAnalysedRun, storedVectorLayers, storedWorkbenchConfig } from './report-from-store.js';

/** How a stored run is named on the command line. */
export const RUN_REF_SYNTAX = 'EXPERIMENT:RUN, e.g. 12:histopathology (run by name) or 12:#2 (the second run); EXPERIMENT alone when it has one run';

export interface StoredRunRef {
  experiment: ExperimentDetail;
  run: RunRecord;
  /** `12:histopathology`. */
  label: string;
}

/** Finds a stored run from `EXPERIMENT:RUN` (see RUN_REF_SYNTAX); EXPERIMENT is an id or a uid prefix. */
export function resolveRunRef(store: HistoryReader, ref: string): StoredRunRef {
  const colon = ref.lastIndexOf(':');
  const experimentPart = colon < 0 ? ref : ref.slice(0, colon);
  const runPart = colon < 0 ? null : ref.slice(colon + 1);
  const experiment = store.getExperiment(store.resolveExperimentRef(experimentPart));
  const names = experiment.runs.map((run) => run.name).join(', ');
  let run: RunRecord | undefined;
  if (runPart === null) {
    if (experiment.runs.length !== 1) {
      throw new RunRefError(ref, `experiment ${experiment.id} has ${experiment.runs.length} runs (${names}); name one as ${experiment.id}:RUN`);
    }
    run = experiment.runs[0];
  } else if (/^#\d+$/.test(runPart)) {
    run = experiment.runs[Number(runPart.slice(1)) - 1];
  } else {
    run = experiment.runs.find((candidate) => candidate.name === runPart);
  }
  if (run === undefined) throw new RunRefError(ref, `experiment ${experiment.id} has no such run (its runs: ${names})`);
  return { experiment, run, label: `${experiment.id}:${run.name}` };
}

function shortHash(hash: string | null): string {
  return hash === null ? 'no hash' : `sha256 ${hash.slice(0, 12)}`;
}

/** What keeps two stored runs from being compared, in words; empty when they can be. */
export function comparabilityProblems(a: StoredRunRef, b: StoredRunRef): string[] {
  const problems: string[] = [];
  const modelA = a.experiment;
  const modelB = b.experiment;
  const sameModel =
    modelA.modelHash !== null && modelB.modelHash !== null
      ? modelA.modelHash === modelB.modelHash
      : modelA.modelName === modelB.modelName;
  if (!sameModel) {
    problems.push(
      `the model differs (${modelA.modelName ?? '?'}, ${shortHash(modelA.modelHash)} vs ${modelB.modelName ?? '?'}, ${shortHash(modelB.modelHash)})`,
    );
  }
  if (modelA.hook !== modelB.hook) problems.push(`the capture point differs (${modelA.hook ?? '?'} vs ${modelB.hook ?? '?'})`);
  if (modelA.pooling !== modelB.pooling) problems.push(`the pooling differs (${modelA.pooling ?? '?'} vs ${modelB.pooling ?? '?'})`);
  const layersA = a.run.layerIndices.join(', ');
  const layersB = b.run.layerIndices.join(', ');
  if (layersA !== layersB) problems.push(`the layers differ (${layersA} vs ${layersB})`);
  for (const side of [a, b]) {
    if (side.run.status !== 'completed') {
      const advice =
        side.experiment.status === 'running'
          ? 'wait until its experiment finishes'
          : `resume experiment ${side.experiment.id} first`;
      problems.push(`run ${side.label} has not completed (${side.run.status}); ${advice}`);
    }
  }
  return problems;
}

export interface StoredLayerComparison {
  layer: number;
  cosine: number;
  l2: number;
  /** l2 / mean of the two run means' norms; null when both norms are 0 or unknown. */
  relativeL2: number | null;
}

export interface StoredRunComparison {
  runA: string;
  runB: string;
  paired: boolean;
  layers: StoredLayerComparison[];
  /** From the stored per-sample vectors of the layers both experiments kept; null when none were kept. */
  analysis: PairAnalysis | null;
  findings: PairFindings;
}

/** Per-layer cosine/L2 of the two run means, from their stored means (or, for imported runs, stored rows). */
function meanComparison(store: HistoryReader, a: StoredRunRef, b: StoredRunRef): StoredLayerComparison[] {
  const meansA = store.getRunMeans(a.run.id);
  const meansB = store.getRunMeans(b.run.id);
  const normsA = new Map(meansA.map((mean) => [mean.layer, mean.norm]));
  const normsB = new Map(meansB.map((mean) => [mean.layer, mean.norm]));
  // The norms are stored even for imported runs, so L2 can be put in relation to them whenever both are known.
  const withRelative = (layer: number, cosine: number, l2: number): StoredLayerComparison => {
    const normA = normsA.get(layer);
    const normB = normsB.get(layer);
    return { layer, cosine, l2, relativeL2: normA === undefined || normB === undefined ? null : relativeL2(l2, normA, normB) };
  };
  if (meansA.every((mean) => mean.mean !== null) && meansB.every((mean) => mean.mean !== null)) {
    const asRunMeans = (name: string, means: typeof meansA) => ({
      name,
      layerIndices: a.run.layerIndices,
      meanByLayer: new Map(means.map((mean) => [mean.layer, mean.mean as Float32Array])),
    });
    const comparison = compareRuns(asRunMeans(a.label, meansA), asRunMeans(b.label, meansB), true);
    return comparison.layer_indices.map((layer, k) =>
      withRelative(layer, comparison.layer_cosine_similarity?.[k] as number, comparison.layer_l2_distance?.[k] as number),
    );
  }
  // CoTLab keeps no mean vectors; only the pairs it compared itself are known.
  const stored =
    a.experiment.id === b.experiment.id
      ? store
          .getComparisons(a.experiment.id)
          .filter(
            (row) =>
              (row.runAId === a.run.id && row.runBId === b.run.id) || (row.runAId === b.run.id && row.runBId === a.run.id),
          )
      : [];
  if (stored.length === 0) {
    throw new IncomparableRunsError(a.label, b.label, [
      'an imported CoTLab run keeps no mean vectors, so it can only be shown against the runs CoTLab compared it with',
    ]);
  }
  return stored.map((row) => withRelative(row.layer, row.cosine, row.l2));
}

/** Compares any two stored runs, also of different experiments, when model, capture point, pooling and layers match. */
export function compareStoredRuns(store: HistoryReader, a: StoredRunRef, b: StoredRunRef): StoredRunComparison {
  const problems = comparabilityProblems(a, b);
  if (problems.length > 0) throw new IncomparableRunsError(a.label, b.label, problems);
  const layers = meanComparison(store, a, b);
  const keptByB = new Set(storedVectorLayers(b.experiment));
  const vectorLayers = storedVectorLayers(a.experiment).filter((layer) => keptByB.has(layer));
  const runA = { ...storedAnalysedRun(store, a.run, vectorLayers), name: a.label };
  const runB = { ...storedAnalysedRun(store, b.run, vectorLayers), name: b.label };
  const seed = storedWorkbenchConfig(a.experiment)?.experiment.seed ?? DEFAULT_ANALYSIS_OPTIONS.seed;
  const analysis = vectorLayers.length === 0 ? null : (analyseRunPairs([runA, runB], [[0, 1]], vectorLayers, seed)[0] ?? null);
  return { runA: a.label, runB: b.label, paired: runsArePaired(runA, runB), layers, analysis, findings: comparisonFindings(a.label, b.label, layers, analysis) };
}

/** The findings of a comparison made from the history: the means' values per layer, with the analysis where kept. */
function comparisonFindings(
  runA: string,
  runB: string,
  layers: readonly StoredLayerComparison[],
  analysis: PairAnalysis | null,
): PairFindings {
  const analysed = new Map(analysis?.perLayer.map((layer) => [layer.layer, layer]));
  const values = layers.map((layer) => ({
    layer: layer.layer,
    cosine: layer.cosine,
    l2: layer.l2,
    pValue: analysed.get(layer.layer)?.pValue ?? null,
    centredCosine: analysed.get(layer.layer)?.centredCosine ?? null,
    relativeL2: layer.relativeL2,
  }));
  return pairFindings(runA, runB, values, {
    cosine: meanOverLayers(values.map((value) => value.cosine)),
    l2: meanOverLayers(values.map((value) => value.l2)),
  });
}
