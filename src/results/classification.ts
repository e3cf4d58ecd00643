/**
 * The findings of an experiment's answers, computed once when it finishes (src/analytics/answer-findings.ts),
 * stored, and read by every face: per variant accuracy, balanced accuracy, macro-F1, per-class precision and
 * recall, the confusion matrix and the parse-failure rate, each with a bootstrap interval; and between variants on
 * the same samples, McNemar's exact test with Holm's adjustment across the pairs.
 */
import type { ParseStatus } from './answers.js';
import type { Seed } from './seed.js';

/** A metric with its percentile bootstrap interval; value null when undefined (no scored sample). */
export interface Estimate {
  value: number | null;
  /** null when no interval was computed (no resamples, or no value). */
  ci: { low: number; high: number } | null;
}

export interface ClassScore {
  label: string;
  /** Scored samples whose gold class is this one, and how often it was predicted. */
  support: number;
  predicted: number;
  precision: Estimate;
  recall: Estimate;
  f1: number | null;
}

export interface VariantAnswerMetrics {
  run: string;
  /** Every sample of the run, and those scored (answer read, gold class known). */
  samples: number;
  scored: number;
  /** Samples whose answer could not be read, by status (parsed left out). */
  parse_failures: Partial<Record<ParseStatus, number>>;
  /** Share of the run's samples whose answer could not be read. */
  parse_failure_rate: Estimate;
  /** Samples whose gold label maps to no class (not scored). */
  unscored_gold: number;
  /** Over scored samples only: parse failures are never counted right or wrong. */
  accuracy: Estimate;
  balanced_accuracy: Estimate;
  macro_f1: Estimate;
  correct: number;
  /** Class order of per_class and of the confusion matrix's rows (gold) and columns (predicted). */
  labels: string[];
  per_class: ClassScore[];
  confusion: number[][];
}

/** McNemar's exact test of two variants' correctness on the samples both answered readably. */
export interface McNemarResult {
  run_a: string;
  run_b: string;
  /** Samples in both runs (same dataset file and sample order) where both were scored. */
  paired_samples: number;
  both_correct: number;
  only_a_correct: number;
  only_b_correct: number;
  both_wrong: number;
  /** Samples left out because either answer could not be read (or its gold class is unknown). */
  excluded: number;
  p_value: number;
  /** Holm-adjusted across the experiment's pairs. */
  p_value_holm: number;
  significant: boolean;
  /** Why the pair was not tested (different samples); null when it was. */
  not_tested: string | null;
}

export interface AnswerFindings {
  confidence_level: number;
  bootstrap_resamples: number;
  seed: Seed;
  significance_level: number;
  variants: VariantAnswerMetrics[];
  mcnemar: McNemarResult[];
}

/** One run split by the correctness of its answers. */
export interface AnswerSplitRecord {
  run: string;
  correct: number;
  incorrect: number;
  /** Samples without a scored answer (unreadable, or no gold class): in neither group. */
  unscored: number;
  /** Why the split was not analysed (a group with fewer than 2 samples); null when it was. */
  not_analysed: string | null;
  layers: {
    layer: number;
    cosine: number;
    l2: number;
    cosine_ci: { low: number; high: number } | null;
    l2_ci: { low: number; high: number } | null;
    p_value: number | null;
    p_value_holm: number | null;
  }[];
  significance_level: number;
}

