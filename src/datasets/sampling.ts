import { PythonRandom } from './python-random.js';

/**
 * The dataset indices a run processes, in processing order, as CoTLab's activation_compare picks them:
 * no limit (null, <= 0, or at least the dataset size) means every index in order; otherwise the result of
 * `random.seed(seed); random.sample(range(datasetSize), numSamples)` in CPython.
 */
export function selectSampleIndices(datasetSize: number, numSamples: number | null, seed: number | bigint): number[] {
  if (!Number.isSafeInteger(datasetSize) || datasetSize < 0) {
    throw new RangeError(`Dataset size must be a non-negative integer, got ${datasetSize}.`);
  }
  if (numSamples === null || numSamples <= 0 || numSamples >= datasetSize) {
    return Array.from({ length: datasetSize }, (_, i) => i);
  }
  if (!Number.isInteger(numSamples)) {
    throw new RangeError(`Number of samples must be a whole number, got ${numSamples}.`);
  }
  return new PythonRandom(seed).sample(datasetSize, numSamples);
}
