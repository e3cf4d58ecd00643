import { meanOverLayers } from '../results/findings.js';
import { cosine, l2Distance, norm } from '../analytics/vector-math.js';
import type { Comparison, ComparisonMode } from '../results/types.js';

/** Per-layer mean vectors of one run, as produced by PoolingAccumulator. */
export interface RunMeans {
  name: string;
  /** Layers that received at least one vector, in the requested layer order. */
  layerIndices: number[];
  meanByLayer: ReadonlyMap<number, Float32Array>;
}

/** Raised when two vectors that must be compared element by element differ in length. */
export class VectorLengthMismatchError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
    readonly context: string,
  ) {
    super(`Vector length mismatch in ${context}: expected ${expected} values, got ${actual}.`);
    this.name = 'VectorLengthMismatchError';
  }
}

/** Raised when a layer's value is asked of a run that holds no mean vector for that layer. */
export class EmptyInputError extends Error {
  constructor(readonly context: string) {
    super(`Cannot compute ${context}: there is nothing to average.`);
    this.name = 'EmptyInputError';
  }
}

function assertSameLength(a: Float32Array, b: Float32Array, context: string): void {
  if (a.length !== b.length) throw new VectorLengthMismatchError(a.length, b.length, context);
}

/** Index pairs of runs to compare: pairwise = every i<j in order; baseline = (0, i) for i ≥ 1. */
export function pairsFor(runNames: readonly string[], mode: ComparisonMode): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  if (mode === 'baseline') {
    for (let i = 1; i < runNames.length; i++) pairs.push([0, i]);
    return pairs;
  }
  for (let i = 0; i < runNames.length; i++) {
    for (let j = i + 1; j < runNames.length; j++) pairs.push([i, j]);
  }
  return pairs;
}

/** The compared pairs of an experiment's runs, from their means, in CoTLab's order; none for a single run. */
export function compareRunMeans(runMeans: readonly RunMeans[], mode: ComparisonMode, storePerLayer: boolean): Comparison[] {
  if (runMeans.length < 2) return [];
  return pairsFor(
    runMeans.map((run) => run.name),
    mode,
  ).map(([a, b]) => compareRuns(runMeans[a] as RunMeans, runMeans[b] as RunMeans, storePerLayer));
}

/** Per-layer cosine and L2 between two runs' mean vectors, over the layers both have (in a's order). */
export function compareRuns(a: RunMeans, b: RunMeans, storePerLayer: boolean): Comparison {
  const layerIndices = a.layerIndices.filter((layer) => a.meanByLayer.has(layer) && b.meanByLayer.has(layer));
  const cosines: number[] = [];
  const distances: number[] = [];
  for (const layer of layerIndices) {
    const va = a.meanByLayer.get(layer) as Float32Array;
    const vb = b.meanByLayer.get(layer) as Float32Array;
    assertSameLength(va, vb, `layer ${layer} of runs "${a.name}" and "${b.name}"`);
    cosines.push(cosine(va, vb));
    distances.push(l2Distance(va, vb));
  }
  return comparisonOf(a.name, b.name, layerIndices, cosines, distances, storePerLayer);
}

/**
 * A comparison in CoTLab's layout from its per-layer values: the means over layers (0 with no layer), and the
 * per-layer arrays only when `storePerLayer` (CoTLab's store_per_layer).
 */
export function comparisonOf(
  runA: string,
  runB: string,
  layerIndices: number[],
  cosines: number[],
  distances: number[],
  storePerLayer: boolean,
): Comparison {
  const comparison: Comparison = {
    run_a: runA,
    run_b: runB,
    layer_indices: layerIndices,
    mean_cosine_similarity: meanOverLayers(cosines),
    mean_l2_distance: meanOverLayers(distances),
  };
  if (storePerLayer) {
    comparison.layer_cosine_similarity = cosines;
    comparison.layer_l2_distance = distances;
  }
  return comparison;
}

/** ‖mean vector‖₂ per layer, in the run's layer order (CoTLab's `mean_activation_norms`). */
export function meanActivationNorms(run: RunMeans): number[] {
  return run.layerIndices.map((layer) => {
    const layerMean = run.meanByLayer.get(layer);
    if (layerMean === undefined) throw new EmptyInputError(`the activation norm of layer ${layer} in run "${run.name}"`);
    return norm(layerMean);
  });
}
