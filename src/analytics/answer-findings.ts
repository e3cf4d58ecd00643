/**
 * The findings of an experiment's answers (src/results/classification.ts), computed once: per variant the metrics of
 * its scored samples with bootstrap intervals and its parse-failure rate; per compared pair of variants that share
 * their samples, McNemar's exact test, Holm-adjusted across the pairs.
 */
import type { ParseStatus, SampleAnswer } from '../results/answers.js';
import type { AnswerFindings, ClassScore, Estimate, McNemarResult, VariantAnswerMetrics } from '../results/classification.js';
import type { Seed } from '../results/seed.js';
import { holmAdjust, SIGNIFICANCE_LEVEL } from '../results/significance.js';
import { bootstrapProportion, bootstrapScores, labelledScores } from './classification-metrics.js';
import { CONFIDENCE_LEVEL } from './divergence.js';
import { mcnemarExactP } from './mcnemar.js';
import { createSeededRng } from './seeded-rng.js';
import type { Interval } from './summary-stats.js';

/** One variant's answers in sample order, with what tells whether two variants answered the same samples. */
export interface AnsweredRun {
  name: string;
  /** sha256 of the dataset file; runs are paired only when it and the sample order match. */
  datasetHash: string | null;
  datasetIndices: readonly number[];
  answers: readonly SampleAnswer[];
  /** Classes the dataset's label mapping defines (listed even when no sample of the run has them). */
  classes: readonly string[];
}

export interface AnswerFindingsOptions {
  bootstrapResamples: number;
  seed: Seed;
}

// Stream keys: each run and each purpose its own stream, so adding a run changes no other interval.
const STREAM_SCORES = 1;
const STREAM_PARSE_FAILURES = 2;

export function answerFindings(runs: readonly AnsweredRun[], pairs: readonly [number, number][], options: AnswerFindingsOptions): AnswerFindings {
  const variants = runs.map((run, index) => variantMetrics(run, index, options));
  const tests = pairs.map(([a, b]) => mcnemarOf(runs[a] as AnsweredRun, runs[b] as AnsweredRun));
  const tested = tests.filter((test) => test.not_tested === null);
  const adjusted = holmAdjust(tested.map((test) => test.p_value));
  tested.forEach((test, k) => {
    test.p_value_holm = adjusted[k] as number;
    test.significant = test.p_value_holm < SIGNIFICANCE_LEVEL;
  });
  return {
    confidence_level: CONFIDENCE_LEVEL,
    bootstrap_resamples: options.bootstrapResamples,
    seed: options.seed,
    significance_level: SIGNIFICANCE_LEVEL,
    variants,
    mcnemar: tests,
  };
}

/** Class order: numbers by value, then the rest by text (false before true). */
export function sortClasses(classes: Iterable<string>): string[] {
  const numeric = (label: string): boolean => /^-?\d+(\.\d+)?$/.test(label);
  return [...new Set(classes)].sort((a, b) => {
    if (numeric(a) && numeric(b)) return Number(a) - Number(b);
    if (numeric(a) !== numeric(b)) return numeric(a) ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

function estimate(value: number | null, ci: Interval | null): Estimate {
  return { value, ci: value === null ? null : ci };
}

function variantMetrics(run: AnsweredRun, index: number, options: AnswerFindingsOptions): VariantAnswerMetrics {
  const scored = run.answers.filter((answer) => answer.predicted !== null && answer.gold !== null);
  const gold = scored.map((answer) => answer.gold as string);
  const predicted = scored.map((answer) => answer.predicted as string);
  const labels = sortClasses([...run.classes, ...gold, ...predicted]);
  const scores = labelledScores(gold, predicted, labels);
  const intervals = bootstrapScores(gold, predicted, labels, options.bootstrapResamples, createSeededRng(options.seed, index, STREAM_SCORES), CONFIDENCE_LEVEL);
  const failures: Partial<Record<ParseStatus, number>> = {};
  for (const answer of run.answers) {
    if (answer.parseStatus !== 'parsed') failures[answer.parseStatus] = (failures[answer.parseStatus] ?? 0) + 1;
  }
  const failed = Object.values(failures).reduce((sum, count) => sum + count, 0);
  const total = run.answers.length;
  const failureCi = bootstrapProportion(failed, total, options.bootstrapResamples, createSeededRng(options.seed, index, STREAM_PARSE_FAILURES), CONFIDENCE_LEVEL);
  const perClass: ClassScore[] = scores.perClass.map((entry, k) => ({
    label: entry.label,
    support: entry.support,
    predicted: entry.predicted,
    precision: estimate(entry.predicted > 0 ? entry.precision : null, intervals.precision[k] ?? null),
    recall: estimate(entry.support > 0 ? entry.recall : null, intervals.recall[k] ?? null),
    f1: entry.support > 0 || entry.predicted > 0 ? entry.f1 : null,
  }));
  return {
    run: run.name,
    samples: total,
    scored: scored.length,
    parse_failures: failures,
    parse_failure_rate: estimate(total === 0 ? null : failed / total, failureCi),
    unscored_gold: run.answers.filter((answer) => answer.predicted !== null && answer.gold === null).length,
    accuracy: estimate(scores.accuracy, intervals.accuracy),
    balanced_accuracy: estimate(scores.balancedAccuracy, intervals.balancedAccuracy),
    macro_f1: estimate(scores.macroF1, intervals.macroF1),
    correct: scores.correct,
    labels,
    per_class: perClass,
    confusion: scores.confusion,
  };
}

function mcnemarOf(a: AnsweredRun, b: AnsweredRun): McNemarResult {
  const base = { run_a: a.name, run_b: b.name, paired_samples: 0, both_correct: 0, only_a_correct: 0, only_b_correct: 0, both_wrong: 0, excluded: 0, p_value: 1, p_value_holm: 1, significant: false };
  const sameSamples =
    a.datasetHash !== null &&
    a.datasetHash === b.datasetHash &&
    a.datasetIndices.length === b.datasetIndices.length &&
    a.datasetIndices.every((index, at) => b.datasetIndices[at] === index);
  if (!sameSamples) return { ...base, not_tested: 'the two variants did not answer the same samples (dataset file or sample order differ)' };
  const counts = { ...base };
  a.answers.forEach((answerA, at) => {
    const answerB = b.answers[at] as SampleAnswer;
    if (answerA.correct === null || answerB.correct === null) {
      counts.excluded++;
      return;
    }
    counts.paired_samples++;
    if (answerA.correct && answerB.correct) counts.both_correct++;
    else if (answerA.correct) counts.only_a_correct++;
    else if (answerB.correct) counts.only_b_correct++;
    else counts.both_wrong++;
  });
  const p = mcnemarExactP(counts.only_a_correct, counts.only_b_correct);
  return { ...counts, p_value: p, p_value_holm: p, not_tested: null };
}
