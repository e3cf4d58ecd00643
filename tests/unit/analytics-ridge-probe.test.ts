import { describe, expect, it } from 'vitest';
import { ridgeCvAccuracy, ridgeFold } from '../../src/analytics/ridge-probe.js';

describe('ridge probe fold (hand-computed)', () => {
  // K = [[2,1],[1,2]], λ = 1: (K + λI)⁻¹ = [[3,−1],[−1,3]] / 8; K_test = 8·I gives H = [[3,−1],[−1,3]].
  const fold = ridgeFold(Int32Array.from([0, 1]), Int32Array.from([2, 3]), Float64Array.from([2, 1, 1, 2]), Float64Array.from([8, 0, 0, 8]), 1);

  it('holds Hᵀ = (K + λI)⁻¹·K_testᵀ and the row sums of H', () => {
    Array.from(fold.hatTransposed).forEach((value, k) => expect(value).toBeCloseTo([3, -1, -1, 3][k] as number, 12));
    Array.from(fold.rowSums).forEach((value) => expect(value).toBeCloseTo(2, 12));
  });

  it('scores class c of a held-out row as p_c·(1 − Σ_j H_ij) + Σ_{j in c} H_ij', () => {
    // Training labels 0, 1 (p = ½ each): row 0 scores (−0.5 + 3, −0.5 − 1), row 1 (−0.5 − 1, −0.5 + 3).
    expect(ridgeCvAccuracy([fold], [0, 1, 0, 1], 2)).toBe(1);
    expect(ridgeCvAccuracy([fold], [0, 1, 1, 1], 2)).toBe(0.5);
  });
});
