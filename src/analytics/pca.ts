import type { SeededRng } from './seeded-rng.js';
import { largestEigenpairs } from './symmetric-eigen.js';
import type { GramMatrix } from './vector-math.js';

/** Top-two principal components of a set of samples, as 2-D coordinates for a scatter plot. */
export interface Pca2d {
  /** [pc1, pc2] per sample, in the Gram matrix's sample order. */
  coordinates: Array<[number, number]>;
  /** Share of the total variance carried by each component (0 when the samples have no spread). */
  explainedVarianceRatio: [number, number];
  /** ‖K·v − λ·v‖ / ‖K‖_F of each component's eigenpair of the centred Gram matrix K. */
  residuals: [number, number];
  /** True when both residuals are within PCA_RESIDUAL_TOLERANCE. */
  converged: boolean;
}

/**
 * Largest residual accepted as converged. A backward-stable eigensolver leaves about n·ε (1e-13 for n = 1200);
 * this leaves room for that and still flags a component that is not an eigenvector.
 */
export const PCA_RESIDUAL_TOLERANCE = 1e-9;

/** Entries this close in magnitude (relative) count as tied, so rounding cannot pick the sign. */
const SIGN_TIE = 1e-9;

/**
 * Flips the sign so the entry of largest magnitude is positive, as sklearn does; on ties (to rounding) the first
 * such entry decides.
 */
function fixSign(vector: Float64Array): void {
  let largest = 0;
  for (const entry of vector) largest = Math.max(largest, Math.abs(entry));
  const decisive = vector.find((entry) => Math.abs(entry) >= largest * (1 - SIGN_TIE)) ?? 0;
  if (decisive < 0) for (let i = 0; i < vector.length; i++) vector[i] = -(vector[i] as number);
}

/**
 * 2-D PCA from the centred n×n Gram matrix K = Xc·Xcᵀ: if v is a unit eigenvector of K with eigenvalue λ,
 * the samples' scores on that component are √λ·v, and λ / trace(K) is its share of the variance. Working on
 * n×n instead of H×H keeps this cheap when samples are far fewer than hidden dimensions; the eigenpairs come
 * from a symmetric eigensolver, so a dominant first component does not spoil the second.
 * `rng` only picks the solver's start vectors (results agree to rounding whatever it is).
 */
export function pca2dFromCentredGram(centred: GramMatrix, rng: SeededRng): Pca2d {
  const { size, values } = centred;
  let trace = 0;
  for (let i = 0; i < size; i++) trace += values[i * size + i] as number;
  const pairs = largestEigenpairs(values, size, 2, rng);
  const components = [0, 1].map((k) => {
    const pair = pairs[k];
    if (pair === undefined || trace <= 0) return { scores: new Float64Array(size), ratio: 0, residual: 0 };
    // Eigenvalues of a Gram matrix are ≥ 0; rounding can leave a vanishing one slightly negative.
    const value = Math.max(0, pair.value);
    fixSign(pair.vector);
    const scale = Math.sqrt(value);
    return { scores: pair.vector.map((entry) => scale * entry), ratio: value / trace, residual: pair.residual };
  }) as [{ scores: Float64Array; ratio: number; residual: number }, { scores: Float64Array; ratio: number; residual: number }];
  const [first, second] = components;
  return {
    coordinates: Array.from({ length: size }, (_, i): [number, number] => [first.scores[i] as number, second.scores[i] as number]),
    explainedVarianceRatio: [first.ratio, second.ratio],
    residuals: [first.residual, second.residual],
    converged: first.residual <= PCA_RESIDUAL_TOLERANCE && second.residual <= PCA_RESIDUAL_TOLERANCE,
  };
}
