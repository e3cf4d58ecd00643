/**
 * Classification metrics as scikit-learn computes them with zero_division=0: accuracy, balanced accuracy (mean
 * recall over the classes that occur in the gold labels), macro-F1 (over the classes that occur in gold or
 * predicted labels), per-class precision / recall / F1 and the confusion matrix; and percentile bootstrap
 * intervals of them, drawn from a seeded stream.
 */
import type { SeededRng } from './seeded-rng.js';
import { percentileInterval, type Interval } from './summary-stats.js';

export interface ClassificationScores {
  labels: string[];
  n: number;
  correct: number;
  /** null for an empty sample. */
  accuracy: number | null;
  balancedAccuracy: number | null;
  macroF1: number | null;
  perClass: { label: string; support: number; predicted: number; precision: number; recall: number; f1: number }[];
  /** confusion[g][p]: samples of gold class labels[g] predicted as labels[p]. */
  confusion: number[][];
}

/** Scores of predicted vs gold classes; `labels` orders the table (every class of either list must be in it). */
export function classificationScores(gold: readonly string[], predicted: readonly string[], labels: readonly string[]): ClassificationScores {
  if (gold.length !== predicted.length) throw new Error(`${gold.length} gold labels for ${predicted.length} predictions`);
  const index = new Map(labels.map((label, at) => [label, at]));
  const size = labels.length;
  const confusion = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  let correct = 0;
  gold.forEach((label, at) => {
    const row = index.get(label);
    const column = index.get(predicted[at] as string);
    if (row === undefined || column === undefined) throw new Error(`class ${row === undefined ? label : predicted[at]} is not among the labels`);
    (confusion[row] as number[])[column] = ((confusion[row] as number[])[column] as number) + 1;
    if (row === column) correct++;
  });
  const perClass = labels.map((label, k) => {
    const tp = (confusion[k] as number[])[k] as number;
    const support = (confusion[k] as number[]).reduce((sum, count) => sum + count, 0);
    const predictedCount = confusion.reduce((sum, row) => sum + (row[k] as number), 0);
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const denominator = support + predictedCount;
    return { label, support, predicted: predictedCount, precision, recall, f1: denominator === 0 ? 0 : (2 * tp) / denominator };
  });
  const n = gold.length;
  const present = perClass.filter((entry) => entry.support > 0);
  const seen = perClass.filter((entry) => entry.support > 0 || entry.predicted > 0);
  const average = (values: number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    labels: [...labels],
    n,
    correct,
    accuracy: n === 0 ? null : correct / n,
    balancedAccuracy: average(present.map((entry) => entry.recall)),
    macroF1: average(seen.map((entry) => entry.f1)),
    perClass,
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
  const accuracy: number[] = [];
  const balanced: number[] = [];
  const macro: number[] = [];
  const precision: number[][] = labels.map(() => []);
  const recall: number[][] = labels.map(() => []);
  const drawnGold = new Array<string>(n);
  const drawnPredicted = new Array<string>(n);
  for (let r = 0; r < replicates; r++) {
    for (let k = 0; k < n; k++) {
      const at = rng.nextInt(n);
      drawnGold[k] = gold[at] as string;
      drawnPredicted[k] = predicted[at] as string;
    }
    const scores = classificationScores(drawnGold, drawnPredicted, labels);
    if (scores.accuracy !== null) accuracy.push(scores.accuracy);
    if (scores.balancedAccuracy !== null) balanced.push(scores.balancedAccuracy);
    if (scores.macroF1 !== null) macro.push(scores.macroF1);
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
