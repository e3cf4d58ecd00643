/**
 * Classification metrics as scikit-learn computes them with zero_division=0: accuracy, balanced accuracy (mean
 * recall over the classes that occur in the truth), macro-F1 (mean F1 over the classes that occur in the truth or
 * the predictions), per-class precision / recall / F1 and the confusion matrix; and percentile bootstrap intervals
 * of them, drawn from a seeded stream. Every score is read from a confusion matrix by scoresFromConfusion; probes
 * pass class indices, answers pass class names.
 */
import type { SeededRng } from './seeded-rng.js';
import { percentileInterval, type Interval } from './summary-stats.js';

export interface ClassScores {
  /** Samples of this class in the truth. */
  support: number;
  /** Samples predicted as this class. */
  predicted: number;
  /** 0 where undefined (zero_division=0). */
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationScores {
  n: number;
  correct: number;
  /** NaN for an empty sample (and balanced accuracy / macro-F1 where no class occurs). */
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
  perClass: ClassScores[];
}

/** counts[t][p]: samples of true class t predicted as p. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): number[][] {
  if (truth.length !== predicted.length) throw new Error(`${truth.length} true classes for ${predicted.length} predictions`);
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const row = counts[truth[i] as number];
    const column = predicted[i] as number;
    if (row === undefined || column < 0 || column >= classCount) throw new Error(`class ${truth[i]} or ${column} is outside 0..${classCount - 1}`);
    row[column] = (row[column] as number) + 1;
  }
  return counts;
}

/** Every score from a confusion matrix. */
export function scoresFromConfusion(counts: readonly (readonly number[])[]): ClassificationScores {
  const classCount = counts.length;
  let n = 0;
  let correct = 0;
  const perClass: ClassScores[] = [];
  for (let k = 0; k < classCount; k++) {
    const hits = counts[k]?.[k] ?? 0;
    let support = 0;
    let predicted = 0;
    for (let other = 0; other < classCount; other++) {
      support += counts[k]?.[other] ?? 0;
      predicted += counts[other]?.[k] ?? 0;
    }
    n += support;
    correct += hits;
    const both = support + predicted;
    perClass.push({
      support,
      predicted,
      precision: predicted === 0 ? 0 : hits / predicted,
      recall: support === 0 ? 0 : hits / support,
      f1: both === 0 ? 0 : (2 * hits) / both,
    });
  }
  const mean = (values: number[]): number => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    n,
    correct,
    accuracy: n === 0 ? Number.NaN : correct / n,
    balancedAccuracy: mean(perClass.filter((entry) => entry.support > 0).map((entry) => entry.recall)),
    macroF1: mean(perClass.filter((entry) => entry.support > 0 || entry.predicted > 0).map((entry) => entry.f1)),
    perClass,
  };
}

/** Scores of predicted class indices against true ones. */
export function classificationScores(truth: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): ClassificationScores {
  return scoresFromConfusion(confusionMatrix(truth, predicted, classCount));
}

export interface LabelledScores {
  labels: string[];
  n: number;
  correct: number;
  /** null for an empty sample. */
  accuracy: number | null;
  balancedAccuracy: number | null;
  macroF1: number | null;
  perClass: (ClassScores & { label: string })[];
  /** confusion[g][p]: samples of gold class labels[g] predicted as labels[p]. */
  confusion: number[][];
}

/** Class indices of named classes; every name must be in `labels`. */
function encode(names: readonly string[], labels: readonly string[]): Int32Array {
  const index = new Map(labels.map((label, at) => [label, at]));
  return Int32Array.from(names, (name) => {
    const at = index.get(name);
    if (at === undefined) throw new Error(`class ${name} is not among the labels`);
    return at;
  });
}

const nullWhenNaN = (value: number): number | null => (Number.isNaN(value) ? null : value);

/** Scores of predicted vs gold class names; `labels` orders the table (every class of either list must be in it). */
export function labelledScores(gold: readonly string[], predicted: readonly string[], labels: readonly string[]): LabelledScores {
  if (gold.length !== predicted.length) throw new Error(`${gold.length} gold labels for ${predicted.length} predictions`);
  const confusion = confusionMatrix(encode(gold, labels), encode(predicted, labels), labels.length);
  const scores = scoresFromConfusion(confusion);
  return {
    labels: [...labels],
    n: scores.n,
    correct: scores.correct,
    accuracy: nullWhenNaN(scores.accuracy),
    balancedAccuracy: nullWhenNaN(scores.balancedAccuracy),
    macroF1: nullWhenNaN(scores.macroF1),
    perClass: scores.perClass.map((entry, k) => ({ label: labels[k] as string, ...entry })),
    confusion,
  };
}

export interface ScoreIntervals {
  accuracy: Interval | null;
  balancedAccuracy: Interval | null;
  macroF1: Interval | null;
  /** Per class (in label order): precision and recall intervals. */
  precision: (Interval | null)[];
  recall: (Interval | null)[];
}

/**
 * Percentile bootstrap intervals: `replicates` resamples of the (gold, predicted) pairs with replacement (n draws of
 * rng.nextInt(n) each), every metric recomputed. A replicate where a metric is undefined (e.g. a class absent) is
 * left out of that metric's interval.
 */
export function bootstrapScores(
  gold: readonly string[],
  predicted: readonly string[],
  labels: readonly string[],
  replicates: number,
  rng: SeededRng,
  level: number,
): ScoreIntervals {
  const n = gold.length;
  const none: ScoreIntervals = { accuracy: null, balancedAccuracy: null, macroF1: null, precision: labels.map(() => null), recall: labels.map(() => null) };
  if (n === 0 || replicates === 0) return none;
  const truth = encode(gold, labels);
  const guesses = encode(predicted, labels);
  const accuracy: number[] = [];
  const balanced: number[] = [];
  const macro: number[] = [];
  const precision: number[][] = labels.map(() => []);
  const recall: number[][] = labels.map(() => []);
  const drawnTruth = new Int32Array(n);
  const drawnPredicted = new Int32Array(n);
  for (let r = 0; r < replicates; r++) {
    for (let k = 0; k < n; k++) {
      const at = rng.nextInt(n);
      drawnTruth[k] = truth[at] as number;
      drawnPredicted[k] = guesses[at] as number;
    }
    const scores = classificationScores(drawnTruth, drawnPredicted, labels.length);
    if (!Number.isNaN(scores.accuracy)) accuracy.push(scores.accuracy);
    if (!Number.isNaN(scores.balancedAccuracy)) balanced.push(scores.balancedAccuracy);
    if (!Number.isNaN(scores.macroF1)) macro.push(scores.macroF1);
    scores.perClass.forEach((entry, k) => {
      if (entry.predicted > 0) precision[k]?.push(entry.precision);
      if (entry.support > 0) recall[k]?.push(entry.recall);
    });
  }
  const interval = (values: number[]): Interval | null => (values.length === 0 ? null : percentileInterval(values, level));
  return {
    accuracy: interval(accuracy),
    balancedAccuracy: interval(balanced),
    macroF1: interval(macro),
    precision: precision.map(interval),
    recall: recall.map(interval),
  };
}

/** Percentile bootstrap interval of a proportion of `hits` among n (e.g. the parse-failure rate). */
export function bootstrapProportion(hits: number, n: number, replicates: number, rng: SeededRng, level: number): Interval | null {
  if (n === 0 || replicates === 0) return null;
  const shares: number[] = [];
  for (let r = 0; r < replicates; r++) {
    let drawn = 0;
    for (let k = 0; k < n; k++) if (rng.nextInt(n) < hits) drawn++;
    shares.push(drawn / n);
  }
  return percentileInterval(shares, level);
}
