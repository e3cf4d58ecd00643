import { AnalysisInputError } from './errors.js';
import { addScaled4At, addScaledAt, dot4At, dotAt } from './dense-kernels.js';
import { DEFAULT_LBFGS_OPTIONS, minimizeLbfgs, type LbfgsOptions } from './lbfgs.js';

/** Samples as rows of a dense matrix (row-major), e.g. standardised activations. */
export interface FeatureMatrix {
  values: Float64Array;
  rows: number;
  columns: number;
  /** When set, row i's entries from rowLengths[i] on are zero (a triangular factor) and are skipped. */
  rowLengths?: Int32Array;
}

/**
 * An L2-regularised logistic regression as scikit-learn's LogisticRegression(penalty='l2', C) fits it with lbfgs:
 * minimise C·Σ log-loss + ½‖W‖² with unpenalised intercepts; one weight vector for two classes (binary logistic),
 * one per class for more (multinomial softmax).
 */
export interface LogisticModel {
  classCount: number;
  /** Row-major weight vectors: 1 × columns for two classes, classCount × columns otherwise. */
  weights: Float64Array;
  intercepts: Float64Array;
  columns: number;
  converged: boolean;
  iterations: number;
  /** Largest gradient entry of the objective at the solution. */
  gradientNorm: number;
}

export interface LogisticFitOptions {
  /** Inverse regularisation strength (scikit-learn's C). */
  c: number;
  /** A solution of the same shape to start from (e.g. the fit for a neighbouring C). */
  warmStart?: LogisticModel;
  /**
   * Stop when the largest gradient entry falls to this fraction of its value at the start. The default settles
   * predictions exactly; picking C among candidates can stop earlier.
   */
  relativeTolerance?: number;
  lbfgs?: Partial<LbfgsOptions>;
}

/** Gradient tolerance relative to the objective's starting gradient: tight enough that predictions are settled. */
export const TIGHT_RELATIVE_TOLERANCE = 1e-9;

function checkLabels(labels: Int32Array, rows: number, classCount: number): void {
  if (labels.length !== rows) throw new AnalysisInputError(`${labels.length} labels for ${rows} samples.`, { field: 'labels' });
  if (classCount < 2) throw new AnalysisInputError('A probe needs at least two classes.', { field: 'labels' });
  for (const label of labels) {
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new AnalysisInputError(`Class index ${label} is outside 0..${classCount - 1}.`, { field: 'labels' });
    }
  }
}

/** Binary: objective and gradient over [w (columns), b]. */
function binaryObjective(x: FeatureMatrix, labels: Int32Array, c: number) {
  const { values, rows, columns, rowLengths } = x;
  return (params: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    const bias = params[columns] as number;
    for (let i = 0; i < rows; i++) {
      const offset = i * columns;
      const length = rowLengths ? (rowLengths[i] as number) : columns;
      const z = bias + dotAt(values, offset, params, 0, length);
      const positive = labels[i] === 1;
      // log(1 + e^{-m}) with m = ±z, computed without overflow.
      const margin = positive ? z : -z;
      loss += margin > 0 ? Math.log1p(Math.exp(-margin)) : -margin + Math.log1p(Math.exp(margin));
      const probability = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const residual = c * (probability - (positive ? 1 : 0));
      addScaledAt(gradient, 0, values, offset, length, residual);
      gradient[columns] = (gradient[columns] as number) + residual;
    }
    let penalty = 0;
    for (let j = 0; j < columns; j++) {
      const w = params[j] as number;
      penalty += w * w;
      gradient[j] = (gradient[j] as number) + w;
    }
    return c * loss + 0.5 * penalty;
  };
}

/** scores[k] = W_k · x_row over the row's first `length` entries, for every class, four classes per pass over the row. */
function classScores(values: Float64Array, offset: number, params: Float64Array, classCount: number, columns: number, length: number, scores: Float64Array): void {
  let k = 0;
  for (; k + 3 < classCount; k += 4) dot4At(values, offset, params, k * columns, columns, length, scores, k);
  for (; k < classCount; k++) scores[k] = dotAt(values, offset, params, k * columns, length);
}

/** gradient_k += residuals[k] · x_row for every class, four classes per pass over the row. */
function addResiduals(gradient: Float64Array, values: Float64Array, offset: number, classCount: number, columns: number, length: number, residuals: Float64Array): void {
  let k = 0;
  for (; k + 3 < classCount; k += 4) addScaled4At(gradient, k * columns, columns, values, offset, length, residuals, k);
  for (; k < classCount; k++) addScaledAt(gradient, k * columns, values, offset, length, residuals[k] as number);
}

/** Multinomial: objective and gradient over [W (classCount × columns), b (classCount)]. */
function multinomialObjective(x: FeatureMatrix, labels: Int32Array, classCount: number, c: number) {
  const { values, rows, columns, rowLengths } = x;
  const biasStart = classCount * columns;
  const scores = new Float64Array(classCount);
  const residuals = new Float64Array(classCount);
  return (params: Float64Array, gradient: Float64Array): number => {
    gradient.fill(0);
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      const offset = i * columns;
      const length = rowLengths ? (rowLengths[i] as number) : columns;
      classScores(values, offset, params, classCount, columns, length, scores);
      let largest = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < classCount; k++) {
        const z = (params[biasStart + k] as number) + (scores[k] as number);
        scores[k] = z;
        largest = Math.max(largest, z);
      }
      let total = 0;
      for (let k = 0; k < classCount; k++) total += Math.exp((scores[k] as number) - largest);
      const logTotal = largest + Math.log(total);
      const label = labels[i] as number;
      loss += logTotal - (scores[label] as number);
      for (let k = 0; k < classCount; k++) {
        const residual = c * (Math.exp((scores[k] as number) - logTotal) - (k === label ? 1 : 0));
        residuals[k] = residual;
        gradient[biasStart + k] = (gradient[biasStart + k] as number) + residual;
      }
      addResiduals(gradient, values, offset, classCount, columns, length, residuals);
    }
    let penalty = 0;
    for (let j = 0; j < biasStart; j++) {
      const w = params[j] as number;
      penalty += w * w;
      gradient[j] = (gradient[j] as number) + w;
    }
    return c * loss + 0.5 * penalty;
  };
}

function parameterCount(classCount: number, columns: number): number {
  const vectors = classCount === 2 ? 1 : classCount;
  return vectors * (columns + 1);
}

function packed(model: LogisticModel): Float64Array {
  const params = new Float64Array(model.weights.length + model.intercepts.length);
  params.set(model.weights);
  params.set(model.intercepts, model.weights.length);
  return params;
}

/** Fits the model to `labels` (class indices 0..classCount−1) of the rows of `x`. */
export function fitLogisticRegression(x: FeatureMatrix, labels: Int32Array, classCount: number, options: LogisticFitOptions): LogisticModel {
  checkLabels(labels, x.rows, classCount);
  if (!(options.c > 0) || !Number.isFinite(options.c)) {
    throw new AnalysisInputError(`The regularisation C must be a positive number, got ${options.c}.`, { field: 'c' });
  }
  const size = parameterCount(classCount, x.columns);
  const objective = classCount === 2 ? binaryObjective(x, labels, options.c) : multinomialObjective(x, labels, classCount, options.c);
  const start = options.warmStart?.weights.length === size - (classCount === 2 ? 1 : classCount) ? packed(options.warmStart) : new Float64Array(size);
  const startGradient = new Float64Array(size);
  objective(start, startGradient);
  let scale = 0;
  for (const g of startGradient) scale = Math.max(scale, Math.abs(g));
  const settings: LbfgsOptions = {
    ...DEFAULT_LBFGS_OPTIONS,
    gradientTolerance: (options.relativeTolerance ?? TIGHT_RELATIVE_TOLERANCE) * Math.max(1, scale),
    ...options.lbfgs,
  };
  const result = minimizeLbfgs(objective, start, settings);
  const weightCount = size - (classCount === 2 ? 1 : classCount);
  return {
    classCount,
    weights: result.x.slice(0, weightCount),
    intercepts: result.x.slice(weightCount),
    columns: x.columns,
    converged: result.converged,
    iterations: result.iterations,
    gradientNorm: result.gradientNorm,
  };
}

/** The most probable class of each row (the first class on exact ties, as NumPy's argmax). */
export function predictClasses(model: LogisticModel, x: FeatureMatrix): Int32Array {
  const { values, rows, columns, rowLengths } = x;
  if (columns !== model.columns) {
    throw new AnalysisInputError(`The model has ${model.columns} features, the samples ${columns}.`, { field: 'columns' });
  }
  const predictions = new Int32Array(rows);
  const vectors = model.intercepts.length;
  for (let i = 0; i < rows; i++) {
    const offset = i * columns;
    const length = rowLengths ? (rowLengths[i] as number) : columns;
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < vectors; k++) {
      const z = (model.intercepts[k] as number) + dotAt(values, offset, model.weights, k * columns, length);
      if (z > bestScore) {
        bestScore = z;
        best = k;
      }
    }
    // Binary: one score z; class 1 when z > 0 (scikit-learn's decision_function > 0).
    predictions[i] = vectors === 1 ? (bestScore > 0 ? 1 : 0) : best;
  }
  return predictions;
}
