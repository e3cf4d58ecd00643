import { describe, expect, it } from 'vitest';
import {
  cohensD,
  mean,
  percentileInterval,
  quantileSorted,
  sampleVariance,
  summariseDistribution,
} from '../../src/analytics/summary-stats.js';

describe('summary statistics (hand-computed)', () => {
  it('computes mean and n − 1 variance', () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    // Σ(x − 5)² = 32 over 7 degrees of freedom.
    expect(sampleVariance([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(32 / 7, 12);
    expect(sampleVariance([3])).toBe(0);
  });

  it('interpolates quantiles linearly between order statistics', () => {
    // position (4 − 1)·0.25 = 0.75 → 1 + 0.75·(2 − 1)
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([10], 0.9)).toBe(10);
  });

  it('summarises a distribution', () => {
    const summary = summariseDistribution([5, 1, 4, 2, 3]);
    expect(summary).toMatchObject({ n: 5, mean: 3, min: 1, median: 3, max: 5, q25: 2, q75: 4 });
    expect(summary.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    // position 4·0.05 = 0.2 → 1.2; 4·0.95 = 3.8 → 4.8
    expect(summary.q05).toBeCloseTo(1.2, 12);
    expect(summary.q95).toBeCloseTo(4.8, 12);
  });

  it('takes the central 95% percentile interval', () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    const interval = percentileInterval(values, 0.95);
    expect(interval.low).toBeCloseTo(2.5, 12);
    expect(interval.high).toBeCloseTo(97.5, 12);
  });

  it("computes Cohen's d with the pooled standard deviation", () => {
    // Means 2 and 5, both variances 1 → d = 3.
    expect(cohensD([1, 2, 3], [4, 5, 6])).toBeCloseTo(3, 12);
    // Variances 1 and 20/3 with 2 + 3 degrees of freedom: pooled (2·1 + 3·20/3)/5 = 4.4; means 2 and 11.
    expect(cohensD([1, 2, 3], [8, 10, 12, 14])).toBeCloseTo(9 / Math.sqrt(4.4), 12);
    expect(cohensD([1, 1], [1, 1])).toBeNull();
    expect(cohensD([1], [2])).toBeNull();
  });
});
