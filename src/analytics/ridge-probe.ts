import { addScaledAt, dotAt } from './dense-kernels.js';
import { AnalysisInputError } from './errors.js';

/**
 * A ridge (least-squares) probe on one fold. Its held-out class scores are linear in the training labels:
 * score(i, c) = p_c + Σ_j H_ij (Y_jc − p_c), with p_c the class share in the training labels and
 * H = K_test (K_train + λI)⁻¹ from the training Gram matrix. H depends on the features only, so scoring any
 * relabelling of the samples (a permutation test) costs one pass over H.
 */
export interface RidgeFold {
  train: Int32Array;
  test: Int32Array;
  /** Hᵀ: nTrain × nTest, row-major, so a training sample's contribution to every held-out score is one contiguous row. */
  hatTransposed: Float64Array;
  /** Σ_j H_ij per test row. */
  rowSums: Float64Array;
}

/** In-place Cholesky factor (lower triangle) of a symmetric positive definite n × n matrix. */
function cholesky(matrix: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    const diagonal = (matrix[j * n + j] as number) - dotAt(matrix, j * n, matrix, j * n, j);
    if (!(diagonal > 0)) throw new AnalysisInputError('The ridge system is not positive definite.', { field: 'lambda' });
    const root = Math.sqrt(diagonal);
    matrix[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      const value = matrix[i * n + j] as number;
      matrix[i * n + j] = (value - dotAt(matrix, i * n, matrix, j * n, j)) / root;
    }
  }
  return matrix;
}

/**
 * Solves L·Lᵀ·Y = B for n × m right-hand sides B (row-major, overwritten by Y), L from cholesky. Both passes move
 * whole rows of length m (one axpy per factor entry), so memory is read front to back.
 */
function choleskySolveRows(factor: Float64Array, n: number, b: Float64Array, m: number): void {
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) addScaledAt(b, i * m, b, k * m, m, -(factor[i * n + k] as number));
    scaleRow(b, i * m, m, 1 / (factor[i * n + i] as number));
  }
  for (let i = n - 1; i >= 0; i--) {
    scaleRow(b, i * m, m, 1 / (factor[i * n + i] as number));
    for (let l = 0; l < i; l++) addScaledAt(b, l * m, b, i * m, m, -(factor[i * n + l] as number));
  }
}

function scaleRow(values: Float64Array, start: number, length: number, scale: number): void {
  for (let j = start; j < start + length; j++) values[j] = (values[j] as number) * scale;
}

/**
 * The fold's hat matrix from the Gram matrices of the standardised features: `gram` = X_train·X_trainᵀ
 * (nTrain × nTrain) and `crossGram` = X_test·X_trainᵀ (nTest × nTrain), both row-major. Hᵀ = (K + λI)⁻¹·K_testᵀ.
 */
export function ridgeFold(train: Int32Array, test: Int32Array, gram: Float64Array, crossGram: Float64Array, lambda: number): RidgeFold {
  const n = train.length;
  const m = test.length;
  const system = Float64Array.from(gram);
  for (let i = 0; i < n; i++) system[i * n + i] = (system[i * n + i] as number) + lambda;
  const factor = cholesky(system, n);
  const hatTransposed = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) hatTransposed[j * m + i] = crossGram[i * n + j] as number;
  choleskySolveRows(factor, n, hatTransposed, m);
  const rowSums = new Float64Array(m);
  for (let j = 0; j < n; j++) addScaledAt(rowSums, 0, hatTransposed, j * m, m, 1);
  return { train, test, hatTransposed, rowSums };
}

/**
 * Held-out accuracy over all folds of the ridge probe trained on `labels` (class index per sample). This runs once
 * per relabelling of the permutation test: the class scores are accumulated as sums of rows of Hᵀ, one contiguous
 * pass per training sample.
 */
export function ridgeCvAccuracy(folds: readonly RidgeFold[], labels: ArrayLike<number>, classCount: number): number {
  let correct = 0;
  let total = 0;
  const shares = new Float64Array(classCount);
  let sums = new Float64Array(0);
  for (const fold of folds) {
    const n = fold.train.length;
    const m = fold.test.length;
    if (sums.length < classCount * m) sums = new Float64Array(classCount * m);
    sums.fill(0, 0, classCount * m);
    shares.fill(0);
    for (let j = 0; j < n; j++) {
      const c = labels[fold.train[j] as number] as number;
      shares[c] = (shares[c] as number) + 1 / n;
      addScaledAt(sums, c * m, fold.hatTransposed, j * m, m, 1);
    }
    for (let i = 0; i < m; i++) {
      const rest = 1 - (fold.rowSums[i] as number);
      let best = 0;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < classCount; c++) {
        const score = (shares[c] as number) * rest + (sums[c * m + i] as number);
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      if (best === labels[fold.test[i] as number]) correct += 1;
      total += 1;
    }
  }
  return correct / total;
}
