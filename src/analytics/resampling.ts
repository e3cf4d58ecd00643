import { shuffleInPlace, type SeededRng } from './seeded-rng.js';
import { percentileInterval, type Interval } from './summary-stats.js';
import type { GramMatrix } from './vector-math.js';

/**
 * How samples are resampled. `independent`: two unrelated sample sets (bootstrap within each run, permutation
 * test shuffles run labels). `paired`: the same samples under two prompts (bootstrap whole pairs, permutation test
 * swaps the two members of each pair).
 */
export type ResamplingScheme = 'independent' | 'paired';

export interface BootstrapIntervals {
  cosine: Interval;
  l2: Interval;
}

export interface PermutationTest {
  /** L2 distance between the two run means (the test statistic). */
  observed: number;
  /** (1 + #resamples with a distance ≥ observed) / (1 + resamples). */
  pValue: number;
}

/**
 * Resampled distances that equal the observed one up to rounding must count as "at least as large". Squared
 * distances read from a Gram matrix carry an absolute rounding error of order ε·max‖x‖², so the tolerance is
 * scaled by the largest diagonal entry.
 */
function tieTolerance(matrix: Float64Array, size: number): number {
  let largest = 0;
  for (let i = 0; i < size; i++) largest = Math.max(largest, matrix[i * size + i] as number);
  return 1e-10 * largest;
}

/** Cosine and L2 of two weighted means Σ w_i x_i, read from the Gram matrix over the weights' supports only. */
function weightedMeanMetrics(
  gram: GramMatrix,
  supportA: Int32Array,
  weightsA: Float64Array,
  sizeA: number,
  supportB: Int32Array,
  weightsB: Float64Array,
  sizeB: number,
): { cosine: number; l2: number } {
  const { size, values } = gram;
  let aa = 0;
  let ab = 0;
  let bb = 0;
  for (let p = 0; p < sizeA; p++) {
    const rowStart = (supportA[p] as number) * size;
    let towardsA = 0;
    for (let q = 0; q < sizeA; q++) towardsA += (weightsA[q] as number) * (values[rowStart + (supportA[q] as number)] as number);
    let towardsB = 0;
    for (let q = 0; q < sizeB; q++) towardsB += (weightsB[q] as number) * (values[rowStart + (supportB[q] as number)] as number);
    aa += (weightsA[p] as number) * towardsA;
    ab += (weightsA[p] as number) * towardsB;
  }
  for (let p = 0; p < sizeB; p++) {
    const rowStart = (supportB[p] as number) * size;
    let towardsB = 0;
    for (let q = 0; q < sizeB; q++) towardsB += (weightsB[q] as number) * (values[rowStart + (supportB[q] as number)] as number);
    bb += (weightsB[p] as number) * towardsB;
  }
  const normProduct = Math.sqrt(aa * bb);
  return {
    cosine: normProduct > 0 ? ab / normProduct : 0,
    l2: Math.sqrt(Math.max(0, aa + bb - 2 * ab)),
  };
}

/** Turns per-sample draw counts into (Gram index, weight) lists for the samples drawn at least once. */
function countsToSupport(
  counts: Int32Array,
  offset: number,
  draws: number,
  support: Int32Array,
  weights: Float64Array,
): number {
  let used = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (count > 0) {
      support[used] = offset + i;
      weights[used] = count / draws;
      used++;
    }
  }
  return used;
}

/**
 * Percentile bootstrap intervals of the cosine and L2 distance between the two run means.
 * `gram` covers run A's samples (indices 0..sizeA−1) then run B's. A replicate's mean is a count-weighted sum of
 * samples, so each replicate costs O(n²) Gram reads instead of O(n·H) vector additions.
 * Draw order (kept stable for reproducibility): per replicate, sizeA indices into A then sizeB into B
 * (independent), or n pair indices (paired).
 */
export function bootstrapMeanMetrics(
  gram: GramMatrix,
  sizeA: number,
  scheme: ResamplingScheme,
  replicates: number,
  rng: SeededRng,
  level: number,
): BootstrapIntervals {
  const sizeB = gram.size - sizeA;
  const countsA = new Int32Array(sizeA);
  const countsB = new Int32Array(sizeB);
  const supportA = new Int32Array(sizeA);
  const supportB = new Int32Array(sizeB);
  const weightsA = new Float64Array(sizeA);
  const weightsB = new Float64Array(sizeB);
  const cosines: number[] = [];
  const distances: number[] = [];
  for (let r = 0; r < replicates; r++) {
    countsA.fill(0);
    countsB.fill(0);
    if (scheme === 'paired') {
      for (let k = 0; k < sizeA; k++) {
        const pair = rng.nextInt(sizeA);
        countsA[pair] = (countsA[pair] as number) + 1;
        countsB[pair] = (countsB[pair] as number) + 1;
      }
    } else {
      for (let k = 0; k < sizeA; k++) {
        const i = rng.nextInt(sizeA);
        countsA[i] = (countsA[i] as number) + 1;
      }
      for (let k = 0; k < sizeB; k++) {
        const j = rng.nextInt(sizeB);
        countsB[j] = (countsB[j] as number) + 1;
      }
    }
    const usedA = countsToSupport(countsA, 0, sizeA, supportA, weightsA);
    const usedB = countsToSupport(countsB, sizeA, sizeB, supportB, weightsB);
    const metrics = weightedMeanMetrics(gram, supportA, weightsA, usedA, supportB, weightsB, usedB);
    cosines.push(metrics.cosine);
    distances.push(metrics.l2);
  }
  return { cosine: percentileInterval(cosines, level), l2: percentileInterval(distances, level) };
}

/**
 * wᵀ·M·w for a symmetric square matrix M, from its lower triangle (half the reads of the full double sum; the
 * permutation tests spend nearly all their time here).
 */
function symmetricQuadraticForm(matrix: Float64Array, size: number, weights: Float64Array): number {
  let diagonal = 0;
  let offDiagonal = 0;
  for (let i = 0; i < size; i++) {
    const rowStart = i * size;
    let row = 0;
    for (let j = 0; j < i; j++) row += (matrix[rowStart + j] as number) * (weights[j] as number);
    const weight = weights[i] as number;
    offDiagonal += weight * row;
    diagonal += weight * weight * (matrix[rowStart + i] as number);
  }
  return diagonal + 2 * offDiagonal;
}

function pValueFromCount(atLeastObserved: number, replicates: number): number {
  return (1 + atLeastObserved) / (1 + replicates);
}

/**
 * Permutation test of "the two runs differ" on the L2 distance between their means.
 * independent: each replicate reshuffles the run labels of all samples (Fisher–Yates on a running order; the
 * first sizeA positions form the new run A). paired: each replicate swaps the members of each pair with
 * probability ½ (one nextInt(2) per pair, 1 = swap).
 */
export function permutationTestMeanDistance(
  gram: GramMatrix,
  sizeA: number,
  scheme: ResamplingScheme,
  replicates: number,
  rng: SeededRng,
): PermutationTest {
  return scheme === 'paired'
    ? signFlipTest(gram, sizeA, replicates, rng)
    : labelShuffleTest(gram, sizeA, replicates, rng);
}

function labelShuffleTest(gram: GramMatrix, sizeA: number, replicates: number, rng: SeededRng): PermutationTest {
  const { size, values } = gram;
  const sizeB = size - sizeA;
  // With s the indicator of the new run A and c = 1/nA + 1/nB, the mean difference is Σ w_i x_i with
  // w = c·s − 1/nB, so ‖Δ‖² = c²·sᵀGs − (2c/nB)·sᵀ(G1) + 1ᵀG1/nB²: O(nA²) per replicate instead of O(n²).
  const rowSums = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = 0; j < size; j++) sum += values[i * size + j] as number;
    rowSums[i] = sum;
    total += sum;
  }
  const c = 1 / sizeA + 1 / sizeB;
  const order = Array.from({ length: size }, (_, i) => i);
  const chosen = new Int32Array(sizeA);
  const member = new Uint8Array(size);
  const squaredDistance = (): number => {
    // The new run A in index order (marked, then collected), so Gram rows and columns are read front to back;
    // its within-sum 1ᵀG_AA1 from the lower triangle.
    member.fill(0);
    for (let p = 0; p < sizeA; p++) member[order[p] as number] = 1;
    for (let i = 0, p = 0; i < size; i++) if (member[i] === 1) chosen[p++] = i;
    let diagonal = 0;
    let offDiagonal = 0;
    let towardsAll = 0;
    for (let p = 0; p < sizeA; p++) {
      const index = chosen[p] as number;
      const rowStart = index * size;
      let row = 0;
      for (let q = 0; q < p; q++) row += values[rowStart + (chosen[q] as number)] as number;
      offDiagonal += row;
      diagonal += values[rowStart + index] as number;
      towardsAll += rowSums[index] as number;
    }
    const within = diagonal + 2 * offDiagonal;
    return c * c * within - ((2 * c) / sizeB) * towardsAll + total / (sizeB * sizeB);
  };
  const observedSquared = squaredDistance();
  const threshold = observedSquared - tieTolerance(values, size);
  let atLeastObserved = 0;
  for (let r = 0; r < replicates; r++) {
    shuffleInPlace(order, rng);
    if (squaredDistance() >= threshold) atLeastObserved++;
  }
  return { observed: Math.sqrt(Math.max(0, observedSquared)), pValue: pValueFromCount(atLeastObserved, replicates) };
}

function signFlipTest(gram: GramMatrix, pairs: number, replicates: number, rng: SeededRng): PermutationTest {
  const { size, values } = gram;
  // D_ij = (a_i − b_i)·(a_j − b_j): inner products of the within-pair differences.
  const differences = new Float64Array(pairs * pairs);
  for (let i = 0; i < pairs; i++) {
    for (let j = 0; j < pairs; j++) {
      differences[i * pairs + j] =
        (values[i * size + j] as number) -
        (values[i * size + pairs + j] as number) -
        (values[(pairs + i) * size + j] as number) +
        (values[(pairs + i) * size + pairs + j] as number);
    }
  }
  const signs = new Float64Array(pairs).fill(1 / pairs);
  const observedSquared = symmetricQuadraticForm(differences, pairs, signs);
  const threshold = observedSquared - tieTolerance(values, size);
  let atLeastObserved = 0;
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < pairs; i++) signs[i] = rng.nextInt(2) === 1 ? -1 / pairs : 1 / pairs;
    if (symmetricQuadraticForm(differences, pairs, signs) >= threshold) atLeastObserved++;
  }
  return { observed: Math.sqrt(Math.max(0, observedSquared)), pValue: pValueFromCount(atLeastObserved, replicates) };
}
