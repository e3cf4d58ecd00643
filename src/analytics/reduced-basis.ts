import { addScaledAt, dotAt } from './dense-kernels.js';
import type { FeatureMatrix, LogisticModel } from './logistic-regression.js';

/**
 * An L2-penalised linear model on n training rows of d > n features has its optimal weights in the span of the
 * training rows (the loss gradient is Xᵀ·R and the penalty's is W, so W = −C·Xᵀ·R at the optimum). Writing the rows
 * in an orthonormal basis Q of that span (X = Z·Qᵀ, Z = X·Q has r ≤ n columns) turns the fit into the same problem
 * on Z: scores X·Q·β = Z·β and ‖Q·β‖ = ‖β‖, so the optimum, and a rotation-invariant solver's path to it (L-BFGS
 * from zero), are those of the full problem, at r/d of the cost per step; the weights are then W = Q·β.
 *
 * Q is never formed: the Cholesky factor of the Gram matrix K = X·Xᵀ = L·Lᵀ is Z itself, and Q = X_Pᵀ·L_P⁻ᵀ from
 * the rows P that hold the pivots. Rows that depend on earlier ones (standardised rows sum to zero, so one always
 * does) get no pivot of their own.
 */
export interface ReducedBasis {
  /** Z (n × r), lower trapezoidal: row i's entries from rowLengths[i] on are zero. */
  train: FeatureMatrix & { rowLengths: Int32Array };
  /** The training row that holds each pivot, ascending. */
  pivotRows: Int32Array;
}

/** A row whose squared distance from the span of the earlier rows is below this share of its squared norm adds no pivot. */
const DEPENDENT_ROW = 1e-10;

/** The basis from the Gram matrix K = X·Xᵀ (n × n, row-major), built row by row: n³/6 multiply-adds. */
export function reducedBasis(gram: Float64Array, n: number): ReducedBasis {
  const factor = new Float64Array(n * n);
  const pivotRows: number[] = [];
  const rowLengths = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let k = 0; k < pivotRows.length; k++) {
      const pivotRow = (pivotRows[k] as number) * n;
      const value = (gram[row + (pivotRows[k] as number)] as number) - dotAt(factor, row, factor, pivotRow, k);
      factor[row + k] = value / (factor[pivotRow + k] as number);
    }
    const r = pivotRows.length;
    const diagonal = gram[row + i] as number;
    const residual = diagonal - dotAt(factor, row, factor, row, r);
    if (diagonal > 0 && residual > DEPENDENT_ROW * diagonal) {
      factor[row + r] = Math.sqrt(residual);
      pivotRows.push(i);
      rowLengths[i] = r + 1;
    } else {
      rowLengths[i] = r;
    }
  }
  const r = pivotRows.length;
  const train = new Float64Array(n * r);
  for (let i = 0; i < n; i++) train.set(factor.subarray(i * n, i * n + (rowLengths[i] as number)), i * r);
  return { train: { values: train, rows: n, columns: r, rowLengths }, pivotRows: Int32Array.from(pivotRows) };
}

/**
 * The model fitted on `basis.train` with its weights in the features of `x` (the training rows the basis came
 * from): W = X_Pᵀ·α with L_Pᵀ·α = β, by back substitution on the pivot rows of Z.
 */
export function modelInFeatures(basis: ReducedBasis, x: FeatureMatrix, model: LogisticModel): LogisticModel {
  const { train, pivotRows } = basis;
  const r = train.columns;
  const vectors = model.intercepts.length;
  const weights = new Float64Array(vectors * x.columns);
  const alpha = new Float64Array(r);
  for (let v = 0; v < vectors; v++) {
    // Back substitution by rows of L_P (contiguous): once α_k is known, its terms leave the equations above it.
    alpha.set(model.weights.subarray(v * r, (v + 1) * r));
    for (let k = r - 1; k >= 0; k--) {
      const pivotRow = (pivotRows[k] as number) * r;
      const value = (alpha[k] as number) / (train.values[pivotRow + k] as number);
      alpha[k] = value;
      addScaledAt(alpha, 0, train.values, pivotRow, k, -value);
    }
    for (let k = 0; k < r; k++) addScaledAt(weights, v * x.columns, x.values, (pivotRows[k] as number) * x.columns, x.columns, alpha[k] as number);
  }
  return { ...model, weights, columns: x.columns };
}
