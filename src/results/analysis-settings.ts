import type { Seed } from './seed.js';

/**
 * How a pair's analytics were computed, stored with them so every later view states what was used, not what the
 * code would use today.
 */
export interface AnalysisSettingsRecord {
  /** Bootstrap resamples of the confidence intervals (0: none). */
  n_boot: number;
  confidence_level: number;
  /** Permutations of the test of each layer (0: not tested). */
  n_perm: number;
  significance_level: number;
  /** Seed of every resampling stream. */
  seed: Seed;
  /** Paired runs resample sample pairs; independent runs resample each run. */
  resampling: 'paired' | 'independent';
}
