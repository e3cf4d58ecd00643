import type { SeededRng } from './seeded-rng.js';

/** One eigenpair of a symmetric matrix, with how well it satisfies the definition. */
export interface Eigenpair {
  /** Rayleigh quotient vᵀ·A·v of the unit vector below. */
  value: number;
  /** Unit eigenvector. */
  vector: Float64Array;
  /** ‖A·v − value·v‖ / ‖A‖_F (0 for the zero matrix): the backward error of the pair. */
  residual: number;
}

const EPSILON = Number.EPSILON;
const SAFE_MINIMUM = 2.2250738585072014e-308;
const INVERSE_ITERATIONS = 6;

/** Symmetric tridiagonal matrix plus the Householder reflectors that produced it from the full matrix. */
interface Tridiagonal {
  size: number;
  diagonal: Float64Array;
  /** offDiagonal[i] couples rows i and i + 1. */
  offDiagonal: Float64Array;
  /** Row-major working copy: row k holds reflector k's vector in columns k + 1 .. size − 1. */
  reflectors: Float64Array;
  /** 2 / (uᵀu) for reflector k; 0 where the column needed no reflection. */
  betas: Float64Array;
}

/**
 * Householder reduction A = Q·T·Qᵀ (Q = H₀·H₁·…). Only the lower triangle of the trailing block is kept up to date
 * and every pass walks rows, so the cost is about (2/3)·n³ multiply-adds with sequential memory access.
 */
function tridiagonalise(matrix: Float64Array, size: number): Tridiagonal {
  const a = Float64Array.from(matrix);
  const diagonal = new Float64Array(size);
  const offDiagonal = new Float64Array(Math.max(0, size - 1));
  const betas = new Float64Array(size);
  const reflectors = new Float64Array(size * size);
  const u = new Float64Array(size);
  const p = new Float64Array(size);
  for (let k = 0; k + 2 < size; k++) {
    // The column below the diagonal, read from row-major storage of the lower triangle: a[i][k], i > k.
    let scale = 0;
    for (let i = k + 1; i < size; i++) scale = Math.max(scale, Math.abs(a[i * size + k] as number));
    diagonal[k] = a[k * size + k] as number;
    if (scale === 0) {
      offDiagonal[k] = 0;
      continue;
    }
    let squared = 0;
    for (let i = k + 1; i < size; i++) {
      const value = (a[i * size + k] as number) / scale;
      u[i] = value;
      squared += value * value;
    }
    const head = u[k + 1] as number;
    const alpha = (head >= 0 ? -1 : 1) * Math.sqrt(squared);
    u[k + 1] = head - alpha;
    // uᵀu = ‖x‖² − 2·alpha·x₁ + alpha² = 2·(squared − alpha·x₁), always away from 0 by the sign choice.
    const beta = 1 / (squared - alpha * head);
    offDiagonal[k] = alpha * scale;
    betas[k] = beta;
    for (let i = k + 1; i < size; i++) reflectors[k * size + i] = u[i] as number;
    // p = beta·A₂₂·u over the symmetric trailing block, from its lower triangle only.
    for (let i = k + 1; i < size; i++) p[i] = 0;
    for (let i = k + 1; i < size; i++) {
      const row = i * size;
      const ui = u[i] as number;
      let sum = (a[row + i] as number) * ui;
      for (let j = k + 1; j < i; j++) {
        const aij = a[row + j] as number;
        sum += aij * (u[j] as number);
        p[j] = (p[j] as number) + aij * ui;
      }
      p[i] = (p[i] as number) + sum;
    }
    let uTp = 0;
    for (let i = k + 1; i < size; i++) {
      p[i] = beta * (p[i] as number);
      uTp += (u[i] as number) * (p[i] as number);
    }
    // q = p − (beta·uᵀp / 2)·u, then A₂₂ ← A₂₂ − u·qᵀ − q·uᵀ (lower triangle).
    const half = (beta * uTp) / 2;
    for (let i = k + 1; i < size; i++) p[i] = (p[i] as number) - half * (u[i] as number);
    for (let i = k + 1; i < size; i++) {
      const row = i * size;
      const ui = u[i] as number;
      const qi = p[i] as number;
      for (let j = k + 1; j <= i; j++) a[row + j] = (a[row + j] as number) - ui * (p[j] as number) - qi * (u[j] as number);
    }
  }
  if (size >= 2) {
    diagonal[size - 2] = a[(size - 2) * size + size - 2] as number;
    offDiagonal[size - 2] = a[(size - 1) * size + size - 2] as number;
  }
  if (size >= 1) diagonal[size - 1] = a[(size - 1) * size + size - 1] as number;
  return { size, diagonal, offDiagonal, reflectors, betas };
}

/** x ← Q·x with Q = H₀·H₁·…·H_{n−3}: the reflectors applied last to first. */
function applyReflectors(t: Tridiagonal, x: Float64Array): void {
  const { size, reflectors, betas } = t;
  for (let k = size - 3; k >= 0; k--) {
    const beta = betas[k] as number;
    if (beta === 0) continue;
    const row = k * size;
    let projection = 0;
    for (let i = k + 1; i < size; i++) projection += (reflectors[row + i] as number) * (x[i] as number);
    projection *= beta;
    for (let i = k + 1; i < size; i++) x[i] = (x[i] as number) - projection * (reflectors[row + i] as number);
  }
}

function tridiagonalNorm(t: Tridiagonal): number {
  let largest = 0;
  for (let i = 0; i < t.size; i++) {
    const row =
      Math.abs(t.diagonal[i] as number) + Math.abs(t.offDiagonal[i] ?? 0) + (i > 0 ? Math.abs(t.offDiagonal[i - 1] as number) : 0);
    largest = Math.max(largest, row);
  }
  return largest;
}

/** Sturm count: how many eigenvalues of T are below x (negative pivots of the LDLᵀ factors of T − x·I). */
function countBelow(t: Tridiagonal, x: number, pivotMinimum: number): number {
  let count = 0;
  let pivot = 1;
  for (let i = 0; i < t.size; i++) {
    const coupling = i > 0 ? (t.offDiagonal[i - 1] as number) : 0;
    pivot = (t.diagonal[i] as number) - x - (i > 0 ? (coupling * coupling) / pivot : 0);
    if (Math.abs(pivot) < pivotMinimum) pivot = -pivotMinimum;
    if (pivot < 0) count++;
  }
  return count;
}

/** The eigenvalue of T with `index` eigenvalues below it (0: the smallest), by bisection inside the Gershgorin bounds. */
function eigenvalueByBisection(t: Tridiagonal, index: number, norm: number): number {
  let largestCoupling = 1;
  for (const value of t.offDiagonal) largestCoupling = Math.max(largestCoupling, value * value);
  const pivotMinimum = SAFE_MINIMUM * largestCoupling;
  const slack = 2 * EPSILON * norm + pivotMinimum;
  let low = -norm - slack;
  let high = norm + slack;
  // Absolute accuracy ε·‖T‖ is all the reduction to T preserves; bisecting further only chases rounding.
  const tolerance = 2 * EPSILON * norm;
  while (high - low > tolerance + 2 * EPSILON * Math.max(Math.abs(low), Math.abs(high))) {
    const middle = low + (high - low) / 2;
    if (middle <= low || middle >= high) break;
    if (countBelow(t, middle, pivotMinimum) > index) high = middle;
    else low = middle;
  }
  return low + (high - low) / 2;
}

/**
 * LU factors of T − shift·I with partial pivoting (row interchanges between neighbours), as three bands of U
 * plus the multipliers; a zero pivot becomes ε·‖T‖ so the solve stays finite (inverse iteration wants the growth).
 */
interface ShiftedFactors {
  u0: Float64Array;
  u1: Float64Array;
  u2: Float64Array;
  multipliers: Float64Array;
  swapped: Uint8Array;
}

function factorShifted(t: Tridiagonal, shift: number, tinyPivot: number): ShiftedFactors {
  const n = t.size;
  const u0 = new Float64Array(n);
  const u1 = new Float64Array(n);
  const u2 = new Float64Array(n);
  const multipliers = new Float64Array(n);
  const swapped = new Uint8Array(n);
  // Row i of the working band: [pivot candidate, right neighbour, second right].
  let diag = (t.diagonal[0] as number) - shift;
  let right = n > 1 ? (t.offDiagonal[0] as number) : 0;
  for (let i = 0; i < n - 1; i++) {
    const below = t.offDiagonal[i] as number;
    const nextDiag = (t.diagonal[i + 1] as number) - shift;
    const nextRight = i + 2 < n ? (t.offDiagonal[i + 1] as number) : 0;
    if (Math.abs(diag) >= Math.abs(below)) {
      const pivot = diag === 0 ? tinyPivot : diag;
      const m = below / pivot;
      u0[i] = pivot;
      u1[i] = right;
      u2[i] = 0;
      multipliers[i] = m;
      diag = nextDiag - m * right;
      right = nextRight;
    } else {
      const m = diag / below;
      u0[i] = below;
      u1[i] = nextDiag;
      u2[i] = nextRight;
      multipliers[i] = m;
      swapped[i] = 1;
      diag = right - m * nextDiag;
      right = -m * nextRight;
    }
  }
  u0[n - 1] = diag === 0 ? tinyPivot : diag;
  return { u0, u1, u2, multipliers, swapped };
}

/** Solves (T − shift·I)·x = b in place with the factors above. */
function solveShifted(factors: ShiftedFactors, b: Float64Array): void {
  const { u0, u1, u2, multipliers, swapped } = factors;
  const n = b.length;
  for (let i = 0; i < n - 1; i++) {
    if (swapped[i] === 1) {
      const held = b[i] as number;
      b[i] = b[i + 1] as number;
      b[i + 1] = held - (multipliers[i] as number) * (b[i] as number);
    } else {
      b[i + 1] = (b[i + 1] as number) - (multipliers[i] as number) * (b[i] as number);
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    let value = b[i] as number;
    if (i + 1 < n) value -= (u1[i] as number) * (b[i + 1] as number);
    if (i + 2 < n) value -= (u2[i] as number) * (b[i + 2] as number);
    b[i] = value / (u0[i] as number);
  }
}

function dotProduct(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function normaliseInPlace(x: Float64Array): number {
  const length = Math.sqrt(dotProduct(x, x));
  if (length > 0) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) / length;
  return length;
}

function tridiagonalResidual(t: Tridiagonal, value: number, y: Float64Array): number {
  let squared = 0;
  for (let i = 0; i < t.size; i++) {
    let image = ((t.diagonal[i] as number) - value) * (y[i] as number);
    if (i > 0) image += (t.offDiagonal[i - 1] as number) * (y[i - 1] as number);
    if (i + 1 < t.size) image += (t.offDiagonal[i] as number) * (y[i + 1] as number);
    squared += image * image;
  }
  return Math.sqrt(squared);
}

/**
 * Eigenvector of T for an accurate eigenvalue by inverse iteration from a random start, kept orthogonal to
 * `against` (the vectors of eigenvalues close to this one, where the iteration alone cannot tell them apart).
 */
function inverseIteration(t: Tridiagonal, value: number, norm: number, against: Float64Array[], rng: SeededRng): Float64Array {
  const factors = factorShifted(t, value, EPSILON * norm || SAFE_MINIMUM);
  let y = Float64Array.from({ length: t.size }, () => rng.nextFloat() - 0.5);
  const target = 4 * t.size * EPSILON * norm;
  for (let iteration = 0; iteration < INVERSE_ITERATIONS; iteration++) {
    for (const other of against) {
      const projection = dotProduct(y, other);
      for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) - projection * (other[i] as number);
    }
    if (normaliseInPlace(y) === 0) y = Float64Array.from({ length: t.size }, () => rng.nextFloat() - 0.5);
    if (iteration > 0 && tridiagonalResidual(t, value, y) <= target) break;
    solveShifted(factors, y);
    if (!y.every(Number.isFinite)) y = Float64Array.from({ length: t.size }, () => rng.nextFloat() - 0.5);
  }
  for (const other of against) {
    const projection = dotProduct(y, other);
    for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) - projection * (other[i] as number);
  }
  normaliseInPlace(y);
  return y;
}

/** ‖A·v − λ·v‖ and vᵀ·A·v for a full row-major matrix. */
function residualAndRayleigh(matrix: Float64Array, size: number, v: Float64Array): { rayleigh: number; residual: number } {
  const image = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const row = i * size;
    let sum = 0;
    for (let j = 0; j < size; j++) sum += (matrix[row + j] as number) * (v[j] as number);
    image[i] = sum;
  }
  const rayleigh = dotProduct(v, image);
  let squared = 0;
  for (let i = 0; i < size; i++) {
    const difference = (image[i] as number) - rayleigh * (v[i] as number);
    squared += difference * difference;
  }
  return { rayleigh, residual: Math.sqrt(squared) };
}

/** Eigenvalues closer than this share of ‖T‖ are treated as one cluster (vectors kept orthogonal explicitly). */
const CLUSTER_GAP = 1e-3;

/**
 * The `count` largest eigenpairs of a symmetric matrix (row-major, size × size; only symmetry is assumed), largest
 * first: Householder tridiagonalisation, bisection on Sturm counts for the eigenvalues, inverse iteration for the
 * tridiagonal eigenvectors, and the reflectors back. Exact up to rounding whatever the eigenvalue ratios, at about
 * (2/3)·n³ multiply-adds plus O(n²) per pair. `rng` only picks inverse iteration's start vectors.
 */
export function largestEigenpairs(matrix: Float64Array, size: number, count: number, rng: SeededRng): Eigenpair[] {
  const wanted = Math.min(count, size);
  if (wanted <= 0) return [];
  let frobeniusSquared = 0;
  for (const value of matrix) frobeniusSquared += value * value;
  const frobenius = Math.sqrt(frobeniusSquared);
  const t = tridiagonalise(matrix, size);
  const norm = tridiagonalNorm(t);
  const pairs: Eigenpair[] = [];
  const tridiagonalVectors: Array<{ value: number; vector: Float64Array }> = [];
  for (let k = 0; k < wanted; k++) {
    const value = norm === 0 ? 0 : eigenvalueByBisection(t, size - 1 - k, norm);
    const cluster = tridiagonalVectors
      .filter((previous) => Math.abs(previous.value - value) <= CLUSTER_GAP * norm)
      .map((previous) => previous.vector);
    const y = norm === 0 ? unitVector(size, k) : inverseIteration(t, value, norm, cluster, rng);
    tridiagonalVectors.push({ value, vector: y });
    const vector = Float64Array.from(y);
    applyReflectors(t, vector);
    normaliseInPlace(vector);
    const { rayleigh, residual } = residualAndRayleigh(matrix, size, vector);
    pairs.push({ value: rayleigh, vector, residual: frobenius > 0 ? residual / frobenius : 0 });
  }
  return pairs;
}

function unitVector(size: number, index: number): Float64Array {
  const vector = new Float64Array(size);
  vector[index] = 1;
  return vector;
}
