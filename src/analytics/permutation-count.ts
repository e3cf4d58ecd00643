import { AnalysisInputError } from './errors.js';

/**
 * How many permutations a pair's tests need so that Holm's adjustment over its layers can reach significance.
 * With N permutations the smallest p-value is 1/(N + 1) and Holm multiplies the smallest of L p-values by L, so
 * nothing can be flagged at level α unless L/(N + 1) < α. The margin keeps room above that floor: a layer
 * whose true p-value is half the Bonferroni line α/L is then flagged about 93% of the time despite the Monte
 * Carlo noise (it may show up to margin − 2 exceedances), against 50% or less at the bare floor.
 */

/** Never fewer than this (today's count: small layer sets keep their draws exactly). */
export const MIN_PERMUTATIONS = 1000;
/** Times the bare Holm floor ⌈L/α⌉. */
export const PERMUTATION_MARGIN = 10;

export interface PermutationCount {
  count: number;
  /** The rule as one line, with the numbers filled in, for the record. */
  rule: string;
  /** The smallest Holm-adjusted p-value the count allows, L / (count + 1). */
  holmFloor: number;
}

/** max(MIN_PERMUTATIONS, ⌈PERMUTATION_MARGIN · L / α⌉) for L layers tested at level α. */
export function permutationCountFor(layerCount: number, alpha: number): PermutationCount {
  if (!Number.isInteger(layerCount) || layerCount < 1) {
    throw new AnalysisInputError(`The number of layers tested must be a whole number of 1 or more, got ${layerCount}.`, {
      field: 'layers',
    });
  }
  if (!(alpha > 0 && alpha < 1)) {
    throw new AnalysisInputError(`The significance level must lie strictly between 0 and 1, got ${alpha}.`, { field: 'alpha' });
  }
  const needed = Math.ceil((PERMUTATION_MARGIN * layerCount) / alpha);
  const count = Math.max(MIN_PERMUTATIONS, needed);
  return {
    count,
    rule:
      `max(${MIN_PERMUTATIONS}, ceil(${PERMUTATION_MARGIN} x ${layerCount} layers / ${alpha})) = ${count}, so the smallest ` +
      `Holm-adjusted p-value, ${layerCount}/(n_perm + 1), is at most ${alpha}/${PERMUTATION_MARGIN}`,
    holmFloor: layerCount / (count + 1),
  };
}
