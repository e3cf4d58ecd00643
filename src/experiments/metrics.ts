import type { Comparison, ComparisonMode } from './types.js';

/** A vector as pooled from the model (float32) or as plain numbers (tests, JSON). */
export type Vector = Float32Array | readonly number[];

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

/** Raised when a mean or pooling is asked of nothing (no vectors, no tokens). */
export class EmptyInputError extends Error {
  constructor(readonly context: string) {
    super(`Cannot compute ${context}: there is nothing to average.`);
    this.name = 'EmptyInputError';
  }
}

function assertSameLength(a: Vector, b: Vector, context: string): void {
  if (a.length !== b.length) throw new VectorLengthMismatchError(a.length, b.length, context);
}

// Element reads go through this so the noUncheckedIndexedAccess `undefined` case has one meaning: index in range.
function at(v: Vector, i: number): number {
  return v[i] as number;
}

export function dot(a: Vector, b: Vector): number {
  assertSameLength(a, b, 'dot product');
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += at(a, i) * at(b, i);
  return sum;
}

export function l2Norm(v: Vector): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += at(v, i) * at(v, i);
  return Math.sqrt(sum);
}

/** dot(a,b) / (|a|·|b|); 0 when either norm is 0, as CoTLab does. */
export function cosineSimilarity(a: Vector, b: Vector): number {
  const denominator = l2Norm(a) * l2Norm(b);
  if (denominator === 0) return 0;
  return dot(a, b) / denominator;
}

/** Euclidean distance |a − b|. */
export function l2Distance(a: Vector, b: Vector): number {
  assertSameLength(a, b, 'L2 distance');
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = at(a, i) - at(b, i);
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Element-wise mean of equally long vectors (float64 sums, float32 result). */
export function meanOfVectors(vectors: readonly Vector[]): Float32Array {
  const first = vectors[0];
  if (first === undefined) throw new EmptyInputError('the mean of vectors');
  const sum = new Float64Array(first.length);
  for (const v of vectors) {
    assertSameLength(first, v, 'mean of vectors');
    for (let i = 0; i < v.length; i++) sum[i] = (sum[i] as number) + at(v, i);
  }
  const mean = new Float32Array(first.length);
  for (let i = 0; i < sum.length; i++) mean[i] = (sum[i] as number) / vectors.length;
  return mean;
}

/** Token activations: one Float32Array per token, or one flat row-major [seq, hidden] Float32Array. */
export type TokenActivations = readonly Float32Array[] | Float32Array;

function tokenRows(tokens: TokenActivations, hidden: number, context: string): Float32Array[] {
  if (!Number.isInteger(hidden) || hidden <= 0) {
    throw new RangeError(`Hidden size must be a positive integer, got ${hidden}.`);
  }
  if (Array.isArray(tokens)) {
    const rows = tokens as readonly Float32Array[];
    for (const row of rows) {
      if (row.length !== hidden) throw new VectorLengthMismatchError(hidden, row.length, context);
    }
    return [...rows];
  }
  const flat = tokens as Float32Array;
  if (flat.length % hidden !== 0) {
    throw new VectorLengthMismatchError(Math.ceil(flat.length / hidden) * hidden, flat.length, context);
  }
  const rows: Float32Array[] = [];
  for (let start = 0; start < flat.length; start += hidden) rows.push(flat.subarray(start, start + hidden));
  return rows;
}

/** Mean over every token position (BOS and system prompt included, as CoTLab's `act[0].mean(dim=0)`). */
export function poolMean(tokens: TokenActivations, hidden: number): Float32Array {
  const rows = tokenRows(tokens, hidden, 'mean pooling');
  if (rows.length === 0) throw new EmptyInputError('mean pooling of a sequence with no tokens');
  return meanOfVectors(rows);
}

/** The last token's vector (CoTLab's `act[0, -1]`), copied so the caller's buffer can be reused. */
export function poolLastToken(tokens: TokenActivations, hidden: number): Float32Array {
  const rows = tokenRows(tokens, hidden, 'last-token pooling');
  const last = rows[rows.length - 1];
  if (last === undefined) throw new EmptyInputError('last-token pooling of a sequence with no tokens');
  return Float32Array.from(last);
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

function arithmeticMean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
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
    cosines.push(cosineSimilarity(va, vb));
    distances.push(l2Distance(va, vb));
  }
  const comparison: Comparison = {
    run_a: a.name,
    run_b: b.name,
    layer_indices: layerIndices,
    mean_cosine_similarity: arithmeticMean(cosines),
    mean_l2_distance: arithmeticMean(distances),
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
    const mean = run.meanByLayer.get(layer);
    if (mean === undefined) throw new EmptyInputError(`the activation norm of layer ${layer} in run "${run.name}"`);
    return l2Norm(mean);
  });
}

function rankLayers(layers: readonly number[], values: readonly number[] | undefined, k: number, order: 1 | -1): LayerScore[] {
  if (values === undefined) return [];
  const scores: LayerScore[] = [];
  layers.forEach((layer, i) => {
    const value = values[i];
    if (value !== undefined && !Number.isNaN(value)) scores.push({ layer, value });
  });
  // Array.prototype.sort is stable, so ties keep the layer order.
  scores.sort((x, y) => order * (x.value - y.value));
  return scores.slice(0, Math.max(0, k));
}

/** The k layers whose mean vectors point most differently (lowest cosine); [] when per-layer values were not stored. */
export function lowestCosineLayers(comparison: Comparison, k = 5): LayerScore[] {
  return rankLayers(comparison.layer_indices, comparison.layer_cosine_similarity, k, 1);
}

/** The k layers whose mean vectors lie furthest apart (highest L2); [] when per-layer values were not stored. */
export function highestL2Layers(comparison: Comparison, k = 5): LayerScore[] {
  return rankLayers(comparison.layer_indices, comparison.layer_l2_distance, k, -1);
}
