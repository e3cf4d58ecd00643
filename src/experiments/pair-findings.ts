import type { PairAnalysis } from '../analytics/divergence.js';
import { analysisFor, findingsFor } from '../analytics/layer-rows.js';
import type { PairFindings } from '../results/findings.js';
import type { Comparison } from '../results/types.js';
import type { ActivationCompareOutcome } from './activation-compare.js';
import { compareRuns, type RunMeans } from './metrics.js';

/** A finished loop's comparisons with their per-layer values, whatever store_per_layer says (the history keeps them). */
export function perLayerComparisons(outcome: Pick<ActivationCompareOutcome, 'comparisons' | 'runMeans'>): Comparison[] {
  const means = new Map(outcome.runMeans.map((run) => [run.name, run]));
  return outcome.comparisons.map((comparison) =>
    compareRuns(means.get(comparison.run_a) as RunMeans, means.get(comparison.run_b) as RunMeans, true),
  );
}

/** The findings of each compared pair, in comparison order: computed here once per run, then stored and reported. */
export function findingsOfPairs(comparisons: readonly Comparison[], analyses: readonly PairAnalysis[]): PairFindings[] {
  return comparisons.map((comparison) => findingsFor(comparison, analysisFor(comparison, analyses)));
}
