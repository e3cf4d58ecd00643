import { dotAt } from './dense-kernels.js';
import { AnalysisInputError } from './errors.js';
import type { FeatureMatrix } from './logistic-regression.js';

/**
 * A ridge (least-squares) probe on one fold. Its held-out class scores are linear in the training labels:
 * score(i, c) = p_c + Σ_j H_ij (Y_jc − p_c), with p_c the class share in the training labels and
 * H = K_test (K_train + λI)⁻¹ from the training Gram matrix. H depends on the features only, so scoring any
 * relabelling of the samples (a permutation test) costs one pass over H.
 */
export interface RidgeFold {
  train: Int32Array;
  test: Int32Array;
  /** nTest × nTrain, row-major. */
  hat: Float64Array;
  /** Σ_j H_ij per test row. */
  rowSums: Float64Array;
}

function gram(a: FeatureMatrix, b: FeatureMatrix): Float64Array {
  const product = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) {
    const rowA = i * a.columns;
    for (let j = 0; j < b.rows; j++) {
      const rowB = j * b.columns;
      product[i * b.rows + j] = dotAt(a.values, rowA, b.values, rowB, a.columns);
    }
  }
  return product;
}

/** In-place Cholesky factor (lower triangle) of a symmetric positive definite n × n matrix. */
function cholesky(matrix: Float64Array, n: number): Float64Array {
  for (let j = 0; j < n; j++) {
    let diagonal = matrix[j * n + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (matrix[j * n + k] as number) ** 2;
    if (!(diagonal > 0)) throw new AnalysisInputError('The ridge system is not positive definite.', { field: 'lambda' });
    const root = Math.sqrt(diagonal);
    matrix[j * n + j] = root;
    for (let i = j + 1; i < n; i++) {
      let value = matrix[i * n + j] as number;
      for (let k = 0; k < j; k++) value -= (matrix[i * n + k] as number) * (matrix[j * n + k] as number);
      matrix[i * n + j] = value / root;
    }
  }
  return matrix;
}

/** Solves L Lᵀ x = b in place (L from cholesky). */
function choleskySolve(factor: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let value = b[i] as number;
    for (let k = 0; k < i; k++) value -= (factor[i * n + k] as number) * (b[k] as number);
    b[i] = value / (factor[i * n + i] as number);
  }
  for (let i = n - 1; i >= 0; i--) {
    let value = b[i] as number;
    for (let k = i + 1; k < n; k++) value -= (factor[k * n + i] as number) * (b[k] as number);
    b[i] = value / (factor[i * n + i] as number);
  }
}

/** The fold's hat matrix from standardised training and held-out features. */
export function ridgeFold(train: Int32Array, test: Int32Array, xTrain: FeatureMatrix, xTest: FeatureMatrix, lambda: number): RidgeFold {
  const n = xTrain.rows;
  const system = gram(xTrain, xTrain);
  for (let i = 0; i < n; i++) system[i * n + i] = (system[i * n + i] as number) + lambda;
  const factor = cholesky(system, n);
  const hat = gram(xTest, xTrain);
  const rowSums = new Float64Array(xTest.rows);
  for (let i = 0; i < xTest.rows; i++) {
    const row = hat.subarray(i * n, (i + 1) * n);
    choleskySolve(factor, n, row);
    let sum = 0;
    for (const value of row) sum += value;
    rowSums[i] = sum;
  }
  return { train, test, hat, rowSums };
}

/** Held-out accuracy over all folds of the ridge probe trained on `labels` (class index per sample). */
export function ridgeCvAccuracy(folds: readonly RidgeFold[], labels: ArrayLike<number>, classCount: number): number {
  let correct = 0;
  let total = 0;
  const shares = new Float64Array(classCount);
  const scores = new Float64Array(classCount);
  for (const fold of folds) {
    const n = fold.train.length;
    shares.fill(0);
    for (const sample of fold.train) shares[labels[sample] as number] = (shares[labels[sample] as number] as number) + 1 / n;
    for (let i = 0; i < fold.test.length; i++) {
      const rest = 1 - (fold.rowSums[i] as number);
      for (let c = 0; c < classCount; c++) scores[c] = (shares[c] as number) * rest;
      const rowStart = i * n;
      for (let j = 0; j < n; j++) {
        const c = labels[fold.train[j] as number] as number;
        scores[c] = (scores[c] as number) + (fold.hat[rowStart + j] as number);
      }
      let best = 0;
      for (let c = 1; c < classCount; c++) if ((scores[c] as number) > (scores[best] as number)) best = c;
      if (best === labels[fold.test[i] as number]) correct += 1;
      total += 1;
    }
  }
  return correct / total;
}
