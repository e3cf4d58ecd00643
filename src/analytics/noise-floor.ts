import type { GramMatrix } from './vector-math.js';

/** How much of an L2 distance between two sample means is expected from sampling noise alone. */
export interface L2NoiseCorrection {
  /**
   * √(tr Σ̂A / nA + tr Σ̂B / nB) (paired: √(tr Σ̂(a−b) / n)): the root-mean-square L2 distance two means of this
   * many samples would show if the runs did not differ at all (Σ̂: sample covariance, n − 1 denominator).
   */
  noiseFloor: number;
  /**
   * √max(0, L2² − noiseFloor²): L2² overstates the squared distance of the true means by exactly noiseFloor² on
   * average, so this removes that bias (0 when the observed distance is within the noise).
   */
  debiased: number;
}

/** Total variance tr(Σ̂) of the vectors whose inner products are `product(i, j)`, i, j < count. */
function totalVariance(count: number, product: (i: number, j: number) => number): number {
  let squaredNorms = 0;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    squaredNorms += product(i, i);
    for (let j = 0; j < count; j++) sum += product(i, j);
  }
  // Σ‖x_i‖² − n‖mean‖², with ‖mean‖² = Σ_ij x_i·x_j / n².
  return Math.max(0, squaredNorms - sum / count) / (count - 1);
}

/**
 * Noise floor and bias-corrected L2 for the distance `l2` between the means of run A (Gram indices 0..sizeA−1)
 * and run B (the rest). Paired runs use the spread of the within-pair differences a_i − b_i instead, since
 * the noise shared by both members of a pair cancels. null when a run has fewer than two samples.
 */
export function l2NoiseCorrection(gram: GramMatrix, sizeA: number, l2: number, paired: boolean): L2NoiseCorrection | null {
  const { size, values } = gram;
  const sizeB = size - sizeA;
  if (sizeA < 2 || sizeB < 2) return null;
  const at = (i: number, j: number): number => values[i * size + j] as number;
  const floorSquared = paired
    ? totalVariance(sizeA, (i, j) => at(i, j) - at(i, sizeA + j) - at(sizeA + i, j) + at(sizeA + i, sizeA + j)) / sizeA
    : totalVariance(sizeA, at) / sizeA + totalVariance(sizeB, (i, j) => at(sizeA + i, sizeA + j)) / sizeB;
  return { noiseFloor: Math.sqrt(floorSquared), debiased: Math.sqrt(Math.max(0, l2 * l2 - floorSquared)) };
}
