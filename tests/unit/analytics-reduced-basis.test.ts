import { describe, expect, it } from 'vitest';
import { rowGram } from '../../src/analytics/dense-kernels.js';
import { fitStandardiser, standardise } from '../../src/analytics/feature-scaling.js';
import { fitLogisticRegression, predictClasses, type FeatureMatrix, type LogisticModel } from '../../src/analytics/logistic-regression.js';
import { modelInFeatures, reducedBasis } from '../../src/analytics/reduced-basis.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';

function matrix(rows: number[][]): FeatureMatrix {
  const columns = rows[0]?.length ?? 0;
  return { values: Float64Array.from(rows.flat()), rows: rows.length, columns };
}

describe('reduced basis of the training rows (hand-computed)', () => {
  // Rows (2,0,0), (1,1,0) and their sum (3,1,0): K = [[4,2,6],[2,2,4],[6,4,10]], whose Cholesky factor is
  // [[2],[1,1],[3,1,·]] with no pivot for the third, dependent row.
  const x = matrix([
    [2, 0, 0],
    [1, 1, 0],
    [3, 1, 0],
  ]);
  const basis = reducedBasis(rowGram(x), 3);

  it('is the Cholesky factor of the Gram matrix, without a pivot for a dependent row', () => {
    expect(basis.train.columns).toBe(2);
    expect(Array.from(basis.train.values)).toEqual([2, 0, 1, 1, 3, 1]);
    expect(Array.from(basis.train.rowLengths)).toEqual([1, 2, 2]);
    expect(Array.from(basis.pivotRows)).toEqual([0, 1]);
  });

  it('maps weights back to the features: W = X_Pᵀ·α with L_Pᵀ·α = β', () => {
    // β = (1, 2): L_Pᵀ = [[2,1],[0,1]] gives α = (−0.5, 2), so W = −0.5·(2,0,0) + 2·(1,1,0) = (1, 2, 0).
    const model: LogisticModel = { classCount: 2, weights: Float64Array.from([1, 2]), intercepts: Float64Array.from([0.5]), columns: 2, converged: true, iterations: 1, gradientNorm: 0 };
    const mapped = modelInFeatures(basis, x, model);
    expect(Array.from(mapped.weights)).toEqual([1, 2, 0]);
    expect(Array.from(mapped.intercepts)).toEqual([0.5]);
    expect(mapped.columns).toBe(3);
  });
});

describe('a logistic fit in the reduced basis', () => {
  for (const classCount of [2, 4]) {
    it(`equals the fit on all features when samples are fewer than features (${classCount} classes)`, () => {
      const rng = createSeededRng(31, classCount);
      const n = 30;
      const d = 45;
      const labels = Int32Array.from({ length: n }, (_, i) => i % classCount);
      const raw = matrix(Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => rng.nextFloat() - 0.5 + (j === (labels[i] as number) ? 0.3 : 0))));
      const x = standardise(raw, fitStandardiser(raw));
      const held = standardise(
        matrix(Array.from({ length: 20 }, () => Array.from({ length: d }, () => rng.nextFloat() - 0.5))),
        fitStandardiser(raw),
      );
      const basis = reducedBasis(rowGram(x), n);
      // Standardised rows sum to zero: the span of the 30 rows has 29 dimensions.
      expect(basis.train.columns).toBe(n - 1);
      for (const c of [0.01, 1, 100]) {
        const full = fitLogisticRegression(x, labels, classCount, { c });
        const reduced = modelInFeatures(basis, x, fitLogisticRegression(basis.train, labels, classCount, { c }));
        expect(full.converged).toBe(true);
        expect(reduced.converged).toBe(true);
        const scale = Math.max(...Array.from(full.weights, Math.abs));
        full.weights.forEach((w, j) => expect(Math.abs((reduced.weights[j] as number) - w)).toBeLessThan(1e-6 * scale));
        full.intercepts.forEach((b, k) => expect(Math.abs((reduced.intercepts[k] as number) - b)).toBeLessThan(1e-6 * Math.max(1, Math.abs(b))));
        expect(Array.from(predictClasses(reduced, held))).toEqual(Array.from(predictClasses(full, held)));
      }
    });
  }
});
