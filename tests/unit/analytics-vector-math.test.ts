import { describe, expect, it } from 'vitest';
import { linearCkaFromGrams } from '../../src/analytics/paired-similarity.js';
import { centreGram, cosine, dot, gramMatrix, l2Distance, meanVector, norm } from '../../src/analytics/vector-math.js';

describe('vector math (hand-computed)', () => {
  it('computes dot products of any length, cosine and distance', () => {
    expect(dot([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])).toBe(35);
    expect(cosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(l2Distance([0, 3], [4, 0])).toBe(5);
    expect(Array.from(meanVector([new Float32Array([1, 2]), new Float32Array([3, 6])], 2))).toEqual([2, 4]);
  });

  it('dot product: 1·4 + 2·5 + 3·6 = 32; norm of (3, 4) is 5', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(dot(new Float32Array([0.5, -2]), new Float32Array([4, 1]))).toBe(0);
    expect(norm([3, 4])).toBe(5);
    expect(norm(new Float32Array([0, 0, 0]))).toBe(0);
  });

  it('cosine similarity: 32 / (√14 · √77), and 0 when either vector is all zeros (as CoTLab)', () => {
    expect(cosine([1, 2, 3], [4, 5, 6])).toBeCloseTo(0.9746318461970762, 15);
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 1], [-2, -2])).toBeCloseTo(-1, 15);
    expect(cosine([0, 0], [1, 2])).toBe(0);
    expect(cosine([1, 2], [0, 0])).toBe(0);
  });

  it('L2 distance between (1,2,3) and (4,6,3) is 5', () => {
    expect(l2Distance([1, 2, 3], [4, 6, 3])).toBe(5);
    expect(l2Distance([7, 7], [7, 7])).toBe(0);
  });

  it('mean of vectors sums in float64: 2^24 + 1 + 1 stays exact', () => {
    // A float32 running sum would round 2^24 + 1 back to 2^24 twice and give 5592405.33.
    const mean = meanVector([new Float32Array([16777216]), new Float32Array([1]), new Float32Array([1])], 1);
    expect(mean[0]).toBe(5592406);
  });

  it('builds a symmetric Gram matrix and its double-centred form', () => {
    const gram = gramMatrix([
      [1, 0],
      [0, 2],
      [1, 1],
    ]);
    expect(Array.from(gram.values)).toEqual([1, 0, 1, 0, 4, 2, 1, 2, 2]);
    // Mean (2/3, 1); centred rows (1/3, −1), (−2/3, 1), (1/3, 0).
    const centred = centreGram(gram);
    const expected = [10 / 9, -11 / 9, 1 / 9, -11 / 9, 13 / 9, -2 / 9, 1 / 9, -2 / 9, 1 / 9];
    expected.forEach((value, i) => expect(centred.values[i]).toBeCloseTo(value, 12));
  });

  it('gives linear CKA 1 for an orthogonal transform plus scaling, and 0 with no spread', () => {
    const x = [
      [1, 0],
      [0, 2],
      [3, 1],
    ];
    // Rotate by 90° and scale by 3: CKA is invariant to both.
    const y = x.map(([u, v]) => [-3 * (v as number), 3 * (u as number)]);
    expect(linearCkaFromGrams(gramMatrix(x), gramMatrix(y))).toBeCloseTo(1, 12);
    const constant = [
      [1, 1],
      [1, 1],
      [1, 1],
    ];
    expect(linearCkaFromGrams(gramMatrix(x), gramMatrix(constant))).toBe(0);
  });
});
