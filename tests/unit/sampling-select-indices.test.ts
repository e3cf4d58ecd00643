import { describe, expect, it } from 'vitest';
import { selectSampleIndices } from '../../src/datasets/sampling.js';

describe('selectSampleIndices', () => {
  it('returns every index in order when there is no limit', () => {
    expect(selectSampleIndices(5, null, 42)).toEqual([0, 1, 2, 3, 4]);
    expect(selectSampleIndices(5, 0, 42)).toEqual([0, 1, 2, 3, 4]);
    expect(selectSampleIndices(5, -3, 42)).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns every index in order when the limit reaches the dataset size', () => {
    expect(selectSampleIndices(4, 4, 42)).toEqual([0, 1, 2, 3]);
    expect(selectSampleIndices(4, 10, 42)).toEqual([0, 1, 2, 3]);
    expect(selectSampleIndices(0, 3, 42)).toEqual([]);
  });

  it('otherwise returns random.sample(range(n), k) after random.seed(seed), in selection order', () => {
    expect(selectSampleIndices(100, 20, 42)).toEqual([
      81, 14, 3, 94, 35, 31, 28, 17, 13, 86, 69, 11, 75, 54, 4, 27, 29, 64, 77, 71,
    ]);
    expect(selectSampleIndices(600, 50, 42).slice(0, 10)).toEqual([114, 25, 281, 250, 228, 142, 104, 558, 89, 432]);
    expect(selectSampleIndices(600, 50, 123).slice(0, 5)).toEqual([53, 274, 89, 417, 272]);
  });

  it('rejects a fractional sample count', () => {
    expect(() => selectSampleIndices(100, 2.5, 42)).toThrow(/whole number/);
  });
});
