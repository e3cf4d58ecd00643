/**
 * Scores of predicted class indices against true ones, as scikit-learn defines them: accuracy, balanced accuracy
 * (mean recall over the classes that occur in the truth) and macro-F1 (mean F1 over the classes that occur in the
 * truth or the predictions, 0 where a precision or recall is undefined).
 */

export interface ClassificationScores {
  accuracy: number;
  balancedAccuracy: number;
  macroF1: number;
}

/** counts[t][p]: samples of true class t predicted as p. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): number[][] {
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const row = counts[truth[i] as number] as number[];
    row[predicted[i] as number] = (row[predicted[i] as number] as number) + 1;
  }
  return counts;
}

/** The three scores from a confusion matrix. */
export function scoresFromConfusion(counts: readonly (readonly number[])[]): ClassificationScores {
  const classCount = counts.length;
  let total = 0;
  let correct = 0;
  const trueTotals = new Array<number>(classCount).fill(0);
  const predictedTotals = new Array<number>(classCount).fill(0);
  for (let t = 0; t < classCount; t++) {
    for (let p = 0; p < classCount; p++) {
      const n = counts[t]?.[p] ?? 0;
      total += n;
      trueTotals[t] = (trueTotals[t] as number) + n;
      predictedTotals[p] = (predictedTotals[p] as number) + n;
      if (t === p) correct += n;
    }
  }
  let recallSum = 0;
  let classesInTruth = 0;
  let f1Sum = 0;
  let classesSeen = 0;
  for (let k = 0; k < classCount; k++) {
    const hits = counts[k]?.[k] ?? 0;
    const inTruth = trueTotals[k] as number;
    const inPredictions = predictedTotals[k] as number;
    if (inTruth > 0) {
      recallSum += hits / inTruth;
      classesInTruth += 1;
    }
    if (inTruth > 0 || inPredictions > 0) {
      const precision = inPredictions > 0 ? hits / inPredictions : 0;
      const recall = inTruth > 0 ? hits / inTruth : 0;
      f1Sum += precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
      classesSeen += 1;
    }
  }
  return {
    accuracy: total > 0 ? correct / total : Number.NaN,
    balancedAccuracy: classesInTruth > 0 ? recallSum / classesInTruth : Number.NaN,
    macroF1: classesSeen > 0 ? f1Sum / classesSeen : Number.NaN,
  };
}

export function classificationScores(truth: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): ClassificationScores {
  return scoresFromConfusion(confusionMatrix(truth, predicted, classCount));
}
