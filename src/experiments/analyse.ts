import {
  analysePair,
  DEFAULT_ANALYSIS_OPTIONS,
  type AnalysisOptions,
  type PairAnalysis,
  type RunVectors,
} from '../analytics/divergence.js';
import { permutationCountFor } from '../analytics/permutation-count.js';
import { meanVector } from '../analytics/vector-math.js';
import type { Seed } from '../results/seed.js';
import { SIGNIFICANCE_LEVEL } from '../results/significance.js';

/** One run's per-sample vectors plus what tells whether two runs hold the same samples. */
export interface AnalysedRun extends RunVectors {
  sampleIndices: number[];
  /** sha256 of the dataset file; null when unknown (then the run is never treated as paired). */
  datasetHash: string | null;
}

/** Fewer runs than this make the centred cosine meaningless: centred on two runs' pooled mean, it is always −1. */
export const MIN_RUNS_FOR_CENTRING = 3;

/**
 * The bootstrap count is fixed, the permutation count follows from the number of layers tested (so Holm's
 * adjustment over them can reach SIGNIFICANCE_LEVEL, see permutationCountFor) and the seed is the experiment's,
 * so a resumed run reproduces every number.
 */
export function analysisOptionsFor(seed: Seed, layerCount: number): AnalysisOptions {
  return { ...DEFAULT_ANALYSIS_OPTIONS, nPerm: permutationCountFor(layerCount, SIGNIFICANCE_LEVEL).count, seed };
}

function sameIndices(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((index, i) => b[i] === index);
}

/** Paired: both runs read the same dataset file and the same samples in the same order (e.g. two prompts). */
export function runsArePaired(
  a: Pick<AnalysedRun, 'datasetHash' | 'sampleIndices'>,
  b: Pick<AnalysedRun, 'datasetHash' | 'sampleIndices'>,
): boolean {
  return a.datasetHash !== null && a.datasetHash === b.datasetHash && sameIndices(a.sampleIndices, b.sampleIndices);
}

/** Mean over every sample of every run, per layer: the reference point of the centred cosine. */
function pooledCentre(runs: readonly AnalysedRun[], layerCount: number): Float64Array[] {
  return Array.from({ length: layerCount }, (_, k) => {
    const vectors = runs.flatMap((run) => run.vectorsByLayer[k] ?? []);
    return meanVector(vectors, vectors[0]?.length ?? 0);
  });
}

/**
 * Analyses each listed pair of runs over `layers` (the layers the runs' vectorsByLayer hold, in that order).
 * With at least MIN_RUNS_FOR_CENTRING runs, the centred cosine uses the mean of all runs' samples.
 */
export function analyseRunPairs(
  runs: readonly AnalysedRun[],
  pairs: ReadonlyArray<readonly [number, number]>,
  layers: readonly number[],
  seed: Seed,
): PairAnalysis[] {
  const centreByLayer = runs.length >= MIN_RUNS_FOR_CENTRING ? pooledCentre(runs, layers.length) : undefined;
  return pairs.map(([first, second]) => {
    const a = runs[first] as AnalysedRun;
    const b = runs[second] as AnalysedRun;
    return analysePair({
      a,
      b,
      layers: [...layers],
      paired: runsArePaired(a, b),
      options: analysisOptionsFor(seed, layers.length),
      centreByLayer,
    });
  });
}
