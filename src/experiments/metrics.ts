import { mean } from '../analytics/summary-stats.js';
import { cosine, l2Distance, norm } from '../analytics/vector-math.js';
import type { Comparison, ComparisonMode } from './types.js';

/** Per-layer mean vectors of one run, as produced by PoolingAccumulator. */
export interface RunMeans {
  name: string;
  /** Layers that received at least one vector, in the requested layer order. */
  layerIndices: number[];
  meanByLayer: ReadonlyMap<number, Float32Array>;
}

/** One layer and one metric value, used for the "most divergent layers" lists. */
export interface LayerScore {
  layer: number;
  value: number;
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
    mean_cosine_similarity: cosines.length === 0 ? 0 : mean(cosines),
    mean_l2_distance: distances.length === 0 ? 0 : mean(distances),
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

/** The k layers with the smallest (order 1) or largest (order −1) value; absent and NaN values are skipped. */
export function rankedLayers(
  layers: readonly number[],
  values: ReadonlyArray<number | null | undefined>,
  k: number,
  order: 1 | -1,
): LayerScore[] {
  const scores: LayerScore[] = [];
  layers.forEach((layer, i) => {
    const value = values[i];
    if (value !== undefined && value !== null && !Number.isNaN(value)) scores.push({ layer, value });
  });
  // Array.prototype.sort is stable, so ties keep the layer order.
  scores.sort((x, y) => order * (x.value - y.value));
  return scores.slice(0, Math.max(0, k));
}

/** The k layers whose mean vectors point most differently (lowest cosine); [] when per-layer values were not stored. */
export function lowestCosineLayers(comparison: Comparison, k = 5): LayerScore[] {
  return rankedLayers(comparison.layer_indices, comparison.layer_cosine_similarity ?? [], k, 1);
}

/** The k layers whose mean vectors lie furthest apart (highest L2); [] when per-layer values were not stored. */
export function highestL2Layers(comparison: Comparison, k = 5): LayerScore[] {
  return rankedLayers(comparison.layer_indices, comparison.layer_l2_distance ?? [], k, -1);
}
