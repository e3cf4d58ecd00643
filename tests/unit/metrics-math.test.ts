import { describe, expect, it } from 'vitest';

import {
  cosineSimilarity,
  dot,
  EmptyInputError,
  l2Distance,
  l2Norm,
  meanOfVectors,
  poolLastToken,
  poolMean,
  VectorLengthMismatchError,
} from '../../src/experiments/metrics.js';

describe('vector math', () => {
  it('dot product: 1·4 + 2·5 + 3·6 = 32', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(dot(new Float32Array([0.5, -2]), new Float32Array([4, 1]))).toBe(0);
  });

  it('L2 norm of (3, 4) is 5', () => {
    expect(l2Norm([3, 4])).toBe(5);
    expect(l2Norm(new Float32Array([0, 0, 0]))).toBe(0);
  });

  it('cosine similarity: 32 / (√14 · √77)', () => {
    expect(cosineSimilarity([1, 2, 3], [4, 5, 6])).toBeCloseTo(0.9746318461970762, 15);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 1], [-2, -2])).toBeCloseTo(-1, 15);
  });

  it('cosine similarity is 0 when either vector is all zeros', () => {
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    expect(cosineSimilarity([1, 2], [0, 0])).toBe(0);
  });

  it('L2 distance between (1,2,3) and (4,6,3) is 5', () => {
    expect(l2Distance([1, 2, 3], [4, 6, 3])).toBe(5);
    expect(l2Distance([7, 7], [7, 7])).toBe(0);
  });

  it('rejects vectors of different lengths with a clear message', () => {
    expect(() => dot([1, 2], [1])).toThrow(VectorLengthMismatchError);
    expect(() => l2Distance([1, 2], [1, 2, 3])).toThrow('Vector length mismatch in L2 distance: expected 2 values, got 3.');
  });

  it('mean of vectors is element-wise', () => {
    expect(Array.from(meanOfVectors([[1, 2], [3, 6]]))).toEqual([2, 4]);
    expect(meanOfVectors([new Float32Array([1, 2])])).toBeInstanceOf(Float32Array);
  });

  it('mean of vectors sums in float64: 2^24 + 1 + 1 stays exact', () => {
    // A float32 running sum would round 2^24 + 1 back to 2^24 twice and give 5592405.33.
    const mean = meanOfVectors([new Float32Array([16777216]), new Float32Array([1]), new Float32Array([1])]);
    expect(mean[0]).toBe(5592406);
  });

  it('mean of no vectors is an error', () => {
    expect(() => meanOfVectors([])).toThrow(EmptyInputError);
  });
});

describe('pooling', () => {
  const flat = new Float32Array([1, 2, 3, 4, 5, 6]);
  const rows = [new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array([5, 6])];

  it('mean pooling averages every token position', () => {
    expect(Array.from(poolMean(flat, 2))).toEqual([3, 4]);
    expect(Array.from(poolMean(rows, 2))).toEqual([3, 4]);
    expect(Array.from(poolMean(flat, 3))).toEqual([2.5, 3.5, 4.5]);
  });

  it('last-token pooling takes the final position and copies it', () => {
    const last = poolLastToken(flat, 2);
    expect(Array.from(last)).toEqual([5, 6]);
    flat[5] = 60;
    expect(last[1]).toBe(6);
    flat[5] = 6;
    expect(Array.from(poolLastToken(rows, 2))).toEqual([5, 6]);
  });

  it('rejects shapes that do not fit the hidden size', () => {
    expect(() => poolMean(new Float32Array(5), 2)).toThrow(VectorLengthMismatchError);
    expect(() => poolLastToken([new Float32Array(3)], 2)).toThrow(VectorLengthMismatchError);
    expect(() => poolMean(flat, 0)).toThrow(RangeError);
  });

  it('rejects an empty sequence', () => {
    expect(() => poolMean(new Float32Array(0), 2)).toThrow(EmptyInputError);
    expect(() => poolLastToken([], 2)).toThrow(EmptyInputError);
  });
});
