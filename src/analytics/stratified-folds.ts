import { AnalysisInputError } from './errors.js';
import { shuffleInPlace, type SeededRng } from './seeded-rng.js';

/**
 * Stratified k-fold assignment: each class's samples are shuffled and dealt round-robin over the folds, continuing
 * from class to class, so every fold holds each class in (nearly) its overall proportion and folds differ in size
 * by at most one. Returns the fold of each sample.
 */
export function stratifiedFolds(labels: ArrayLike<number>, classCount: number, folds: number, rng: SeededRng): Int32Array {
  if (!Number.isInteger(folds) || folds < 2) {
    throw new AnalysisInputError(`Cross-validation needs at least 2 folds, got ${folds}.`, { field: 'folds' });
  }
  const byClass = Array.from({ length: classCount }, () => [] as number[]);
  for (let i = 0; i < labels.length; i++) byClass[labels[i] as number]?.push(i);
  const assignment = new Int32Array(labels.length);
  let next = 0;
  for (const members of byClass) {
    for (const sample of shuffleInPlace(members, rng)) {
      assignment[sample] = next % folds;
      next += 1;
    }
  }
  return assignment;
}

/** Sample indices of the training and held-out parts of one fold. */
export function foldSplit(assignment: Int32Array, fold: number): { train: Int32Array; test: Int32Array } {
  const train: number[] = [];
  const test: number[] = [];
  assignment.forEach((assigned, sample) => (assigned === fold ? test : train).push(sample));
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
