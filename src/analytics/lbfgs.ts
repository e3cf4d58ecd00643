/**
 * Limited-memory BFGS for smooth convex objectives (Nocedal & Wright, Numerical Optimization, alg. 7.4 and 7.5),
 * with a backtracking Armijo line search. Convergence is reported, never assumed: callers record `converged`.
 */
import { dotAt } from './dense-kernels.js';

/** Writes the gradient at `x` into `gradient` and returns the objective value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Stop when the largest gradient entry is at most this (absolute). */
  gradientTolerance: number;
  /**
   * Also stop when a step lowers the objective by no more than this, relative to its size: near the optimum rounding
   * leaves nothing measurable to gain (scipy's L-BFGS-B `ftol`; scikit-learn passes 64 machine epsilons).
   */
  valueTolerance: number;
  maxIterations: number;
  /** Correction pairs kept. */
  memory: number;
}

export interface LbfgsResult {
  x: Float64Array;
  value: number;
  /** Largest absolute gradient entry at `x`. */
  gradientNorm: number;
  iterations: number;
  /** True when the gradient or value tolerance was reached (false: iteration limit, or the line search failed). */
  converged: boolean;
}

export const DEFAULT_LBFGS_OPTIONS: LbfgsOptions = {
  gradientTolerance: 1e-9,
  valueTolerance: 64 * Number.EPSILON,
  maxIterations: 15000,
  memory: 10,
};

const ARMIJO = 1e-4;
const MAX_BACKTRACKS = 60;

function dot(a: Float64Array, b: Float64Array): number {
  return dotAt(a, 0, b, 0, a.length);
}

function maxAbs(a: Float64Array): number {
  let largest = 0;
  for (const value of a) largest = Math.max(largest, Math.abs(value));
  return largest;
}

/** The L-BFGS direction −H·g from the stored pairs (two-loop recursion). */
function searchDirection(gradient: Float64Array, steps: Float64Array[], changes: Float64Array[], rhos: number[]): Float64Array {
  const q = Float64Array.from(gradient);
  const alphas = new Array<number>(steps.length);
  for (let i = steps.length - 1; i >= 0; i--) {
    const alpha = (rhos[i] as number) * dot(steps[i] as Float64Array, q);
    alphas[i] = alpha;
    const y = changes[i] as Float64Array;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) - alpha * (y[j] as number);
  }
  const last = steps.length - 1;
  if (last >= 0) {
    // Initial Hessian scaling γ = sᵀy / yᵀy of the newest pair.
    const y = changes[last] as Float64Array;
    const gamma = dot(steps[last] as Float64Array, y) / dot(y, y);
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) * gamma;
  }
  for (let i = 0; i < steps.length; i++) {
    const beta = (rhos[i] as number) * dot(changes[i] as Float64Array, q);
    const s = steps[i] as Float64Array;
    const alpha = alphas[i] as number;
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) + (alpha - beta) * (s[j] as number);
  }
  for (let j = 0; j < q.length; j++) q[j] = -(q[j] as number);
  return q;
}

export function minimizeLbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions = DEFAULT_LBFGS_OPTIONS): LbfgsResult {
  const size = start.length;
  let x = Float64Array.from(start);
  let gradient = new Float64Array(size);
  let value = objective(x, gradient);
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rhos: number[] = [];
  const trialGradient = new Float64Array(size);
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    const gradientNorm = maxAbs(gradient);
    if (gradientNorm <= options.gradientTolerance) return { x, value, gradientNorm, iterations: iteration, converged: true };
    let direction = searchDirection(gradient, steps, changes, rhos);
    let slope = dot(direction, gradient);
    if (!(slope < 0)) {
      // Lost descent (rounding): restart from steepest descent.
      steps.length = 0;
      changes.length = 0;
      rhos.length = 0;
      direction = gradient.map((g) => -g);
      slope = dot(direction, gradient);
    }
    // The first step has no curvature information yet: scale it to a unit move.
    let step = steps.length === 0 ? Math.min(1, 1 / maxAbs(direction)) : 1;
    const trial = new Float64Array(size);
    let trialValue = Number.POSITIVE_INFINITY;
    let accepted = false;
    for (let backtrack = 0; backtrack < MAX_BACKTRACKS; backtrack++) {
      for (let j = 0; j < size; j++) trial[j] = (x[j] as number) + step * (direction[j] as number);
      trialValue = objective(trial, trialGradient);
      if (trialValue <= value + ARMIJO * step * slope) {
        accepted = true;
        break;
      }
      step /= 2;
    }
    if (!accepted) return { x, value, gradientNorm, iterations: iteration, converged: false };
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      s[j] = (trial[j] as number) - (x[j] as number);
      y[j] = (trialGradient[j] as number) - (gradient[j] as number);
    }
    const curvature = dot(s, y);
    // Keep the inverse-Hessian estimate positive definite: skip pairs without positive curvature.
    if (curvature > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      steps.push(s);
      changes.push(y);
      rhos.push(1 / curvature);
      if (steps.length > options.memory) {
        steps.shift();
        changes.shift();
        rhos.shift();
      }
    }
    const decrease = value - trialValue;
    x = trial;
    gradient = Float64Array.from(trialGradient);
    const previous = value;
    value = trialValue;
    if (decrease <= options.valueTolerance * Math.max(Math.abs(previous), Math.abs(value), 1)) {
      return { x, value, gradientNorm: maxAbs(gradient), iterations: iteration + 1, converged: true };
    }
  }
  const gradientNorm = maxAbs(gradient);
  return { x, value, gradientNorm, iterations: options.maxIterations, converged: gradientNorm <= options.gradientTolerance };
}
