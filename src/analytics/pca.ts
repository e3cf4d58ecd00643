import type { SeededRng } from './seeded-rng.js';
import type { GramMatrix } from './vector-math.js';

/** Top-two principal components of a set of samples, as 2-D coordinates for a scatter plot. */
export interface Pca2d {
  /** [pc1, pc2] per sample, in the Gram matrix's sample order. */
  coordinates: Array<[number, number]>;
  /** Share of the total variance carried by each component (0 when the samples have no spread). */
  explainedVarianceRatio: [number, number];
  /** False when power iteration hit its iteration limit (near-equal eigenvalues: the plane is still valid). */
  converged: boolean;
}

const MAX_ITERATIONS = 1000;
const TOLERANCE = 1e-10;

function multiply(matrix: Float64Array, size: number, vector: Float64Array): Float64Array {
  const result = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let sum = 0;
    for (let j = 0; j < size; j++) sum += (matrix[i * size + j] as number) * (vector[j] as number);
    result[i] = sum;
  }
  return result;
}

function square(matrix: Float64Array, size: number): Float64Array {
  const result = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < size; k++) {
      const left = matrix[i * size + k] as number;
      if (left === 0) continue;
      for (let j = 0; j < size; j++) result[i * size + j] = (result[i * size + j] as number) + left * (matrix[k * size + j] as number);
    }
  }
  return result;
}

function removeComponent(vector: Float64Array, along: Float64Array | null): void {
  if (along === null) return;
  let projection = 0;
  for (let i = 0; i < vector.length; i++) projection += (vector[i] as number) * (along[i] as number);
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) - projection * (along[i] as number);
}

/** Scales to unit length in place; returns the previous length. */
function normalise(vector: Float64Array): number {
  let squared = 0;
  for (const value of vector) squared += value * value;
  const length = Math.sqrt(squared);
  if (length > 0) for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] as number) / length;
  return length;
}

/** Flips the sign so the entry of largest magnitude is positive (the first such entry on ties), as sklearn does. */
function fixSign(vector: Float64Array): void {
  let largest = 0;
  for (let i = 1; i < vector.length; i++) {
    if (Math.abs(vector[i] as number) > Math.abs(vector[largest] as number)) largest = i;
  }
  if ((vector[largest] as number) < 0) for (let i = 0; i < vector.length; i++) vector[i] = -(vector[i] as number);
}

/**
 * Leading eigenvector (orthogonal to `exclude`) of a symmetric positive semi-definite matrix, by power iteration
 * on `power` (a power of `matrix`, same eigenvectors); the eigenvalue is the Rayleigh quotient on `matrix`.
 */
function leadingEigenvector(
  matrix: Float64Array,
  power: Float64Array,
  size: number,
  exclude: Float64Array | null,
  rng: SeededRng,
): { vector: Float64Array; value: number; converged: boolean } {
  // A random start: a fixed one (e.g. all ones) can be orthogonal to the answer, and for a centred Gram it is.
  let vector: Float64Array = Float64Array.from({ length: size }, () => rng.nextFloat() - 0.5);
  removeComponent(vector, exclude);
  if (normalise(vector) === 0) return { vector, value: 0, converged: true };
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const next = multiply(power, size, vector);
    removeComponent(next, exclude);
    if (normalise(next) === 0) return { vector: next, value: 0, converged: true };
    let change = 0;
    for (let i = 0; i < size; i++) change = Math.max(change, Math.abs((next[i] as number) - (vector[i] as number)));
    vector = next;
    if (change < TOLERANCE) return { vector, value: rayleigh(matrix, size, vector), converged: true };
  }
  return { vector, value: rayleigh(matrix, size, vector), converged: false };
}

function rayleigh(matrix: Float64Array, size: number, vector: Float64Array): number {
  const image = multiply(matrix, size, vector);
  let value = 0;
  for (let i = 0; i < size; i++) value += (vector[i] as number) * (image[i] as number);
  return Math.max(0, value);
}

/**
 * 2-D PCA from the centred n×n Gram matrix K = Xc·Xcᵀ: if v is a unit eigenvector of K with eigenvalue λ,
 * the samples' scores on that component are √λ·v, and λ / trace(K) is its share of the variance. Working on
 * n×n instead of H×H keeps this cheap when samples are far fewer than hidden dimensions.
 */
export function pca2dFromCentredGram(centred: GramMatrix, rng: SeededRng): Pca2d {
  const { size, values } = centred;
  let trace = 0;
  for (let i = 0; i < size; i++) trace += values[i * size + i] as number;
  // Iterating on (K / trace)⁴ converges four times faster in the exponent than on K (ratio (λ₂/λ₁)⁴ per step);
  // dividing by the trace first keeps the fourth power far from overflow.
  const scaled = trace > 0 ? values.map((value) => value / trace) : values;
  const fourthPower = square(square(scaled, size), size);
  const first = leadingEigenvector(values, fourthPower, size, null, rng);
  fixSign(first.vector);
  const second = leadingEigenvector(values, fourthPower, size, first.vector, rng);
  fixSign(second.vector);
  const scale1 = Math.sqrt(first.value);
  const scale2 = Math.sqrt(second.value);
  const coordinates = Array.from(
    { length: size },
    (_, i): [number, number] => [scale1 * (first.vector[i] as number), scale2 * (second.vector[i] as number)],
  );
  return {
    coordinates,
    explainedVarianceRatio: trace > 0 ? [first.value / trace, second.value / trace] : [0, 0],
    converged: first.converged && second.converged,
  };
}
