import { describe, expect, it } from 'vitest';
import { AnalysisInputError } from '../../src/analytics/errors.js';
import { MIN_PERMUTATIONS, PERMUTATION_MARGIN, permutationCountFor } from '../../src/analytics/permutation-count.js';

describe('permutationCountFor', () => {
  it('keeps 1000 permutations for a few layers', () => {
    expect(permutationCountFor(1, 0.05).count).toBe(1000);
    expect(permutationCountFor(5, 0.05).count).toBe(MIN_PERMUTATIONS);
  });

  it('grows with the layer count so the Holm floor stays a margin below alpha', () => {
    // ceil(10 · 62 / 0.05) = 12400; ceil(10 · 6 / 0.05) = 1200.
    expect(permutationCountFor(62, 0.05).count).toBe(12400);
    expect(permutationCountFor(6, 0.05).count).toBe(1200);
    expect(permutationCountFor(34, 0.01).count).toBe(34000);
    for (const [layers, alpha] of [[62, 0.05], [51, 0.05], [34, 0.01], [3, 0.1]] as const) {
      const { count, holmFloor, rule } = permutationCountFor(layers, alpha);
      expect(holmFloor).toBe(layers / (count + 1));
      expect(holmFloor).toBeLessThan(alpha / PERMUTATION_MARGIN);
      expect(rule).toContain(`= ${count}`);
    }
  });

  it('refuses an empty layer set and a level outside (0, 1)', () => {
    expect(() => permutationCountFor(0, 0.05)).toThrow(AnalysisInputError);
    expect(() => permutationCountFor(3, 0)).toThrow(/strictly between 0 and 1/);
    expect(() => permutationCountFor(3, 1)).toThrow(AnalysisInputError);
  });
});
