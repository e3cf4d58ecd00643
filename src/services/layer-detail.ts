import { analysePair, DEFAULT_ANALYSIS_OPTIONS } from '../analytics/divergence.js';
import { cosine } from '../analytics/vector-math.js';
import { analysisOptionsFor, runsArePaired } from '../experiments/analyse.js';
import { comparabilityProblems, type StoredRunRef } from '../experiments/compare-stored-runs.js';
import { IncomparableRunsError, RunRefError } from '../experiments/history-errors.js';
import { storedAnalysedRun, storedVectorLayers, storedWorkbenchConfig } from '../experiments/report-from-store.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { LayerDetail, PcaPoint, RunRef } from '../contract/index.js';
import { EngineRequestError } from './engine-calls.js';

/** A run picked in the UI, labelled `EXPERIMENT:RUN` like the CLI names it. */
export function storedRunRef(store: HistoryReader, ref: RunRef): StoredRunRef {
  const experiment = store.getExperiment(store.resolveExperimentRef(ref.experimentId));
  const run = experiment.runs.find((candidate) => candidate.name === ref.runName);
  const label = `${experiment.id}:${ref.runName}`;
  if (run === undefined) {
    throw new RunRefError(label, `experiment ${experiment.id} has no such run (its runs: ${experiment.runs.map((r) => r.name).join(', ')})`);
  }
  return { experiment, run, label };
}

/**
 * The samples of two stored runs at one layer: their projections on the diff-in-means direction, its effect sizes,
 * the per-label breakdown, their 2-D PCA (the plane the run's analysis used, as the seed and
 * layer are the same) and, for paired runs, the cosine of each sample pair. Computed from the stored vectors.
 */
export function layerDetail(store: HistoryReader, refA: RunRef, refB: RunRef, layer: number): LayerDetail {
  const a = storedRunRef(store, refA);
  const b = storedRunRef(store, refB);
  const problems = comparabilityProblems(a, b);
  if (problems.length > 0) throw new IncomparableRunsError(a.label, b.label, problems);
  for (const side of [a, b]) {
    if (!storedVectorLayers(side.experiment).includes(layer)) {
      throw new EngineRequestError(
        `Run ${side.label} has no per-sample vectors of layer ${layer} stored, so its samples cannot be shown.`,
        'bad_request',
      );
    }
  }
  const runA = storedAnalysedRun(store, a.run, [layer]);
  const runB = storedAnalysedRun(store, b.run, [layer]);
  const paired = runsArePaired(runA, runB);
  const seed = storedWorkbenchConfig(a.experiment)?.experiment.seed ?? DEFAULT_ANALYSIS_OPTIONS.seed;
  const analysis = analysePair({ a: runA, b: runB, layers: [layer], paired, options: { ...analysisOptionsFor(seed, 1), nBoot: 0, nPerm: 0 } });
  const analysed = analysis.perLayer[0];
  if (analysed === undefined) throw new EngineRequestError(`Layer ${layer} could not be analysed.`, 'engine_error');
  const pca = analysed.pca;
  const points = (run: 'a' | 'b', analysed: typeof runA, coordinates: Array<[number, number]>, projections: readonly number[]): PcaPoint[] =>
    coordinates.map(([pc1, pc2], i) => ({
      run,
      position: i,
      datasetIndex: analysed.sampleIndices[i] ?? i,
      label: analysed.labels[i] ?? null,
      pc1,
      pc2,
      projection: projections[i] ?? 0,
    }));
  const vectorsA = runA.vectorsByLayer[0] ?? [];
  const vectorsB = runB.vectorsByLayer[0] ?? [];
  return {
    layer,
    runA: a.label,
    runB: b.label,
    paired,
    points: [
      ...points('a', runA, pca.coordinatesA, analysed.direction.projectionsA),
      ...points('b', runB, pca.coordinatesB, analysed.direction.projectionsB),
    ],
    explainedVarianceRatio: pca.explainedVarianceRatio,
    sampleCosines: paired ? vectorsA.map((vector, i) => cosine(vector, vectorsB[i] as Float32Array)) : null,
    sampleCosineSummary: analysed.paired?.sampleCosine ?? null,
    directionNorm: analysed.direction.norm,
    cohensD: analysed.direction.cohensD,
    cohensDHeldOut: analysed.direction.cohensDHeldOut,
    relativeL2: analysed.relativeL2,
    l2NoiseFloor: analysed.l2NoiseFloor,
    l2Debiased: analysed.l2Debiased,
    labelGroups: analysed.labels.map((group) => ({ ...group })),
  };
}
