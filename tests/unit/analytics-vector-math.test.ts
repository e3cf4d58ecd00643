import { describe, expect, it } from 'vitest';
import { linearCkaFromGrams } from '../../src/analytics/paired-similarity.js';
import { centreGram, cosine, dot, gramMatrix, l2Distance, meanVector } from '../../src/analytics/vector-math.js';

describe('vector math (hand-computed)', () => {
  it('computes dot products of any length, cosine and distance', () => {
    expect(dot([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])).toBe(35);
    expect(cosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(l2Distance([0, 3], [4, 0])).toBe(5);
    expect(Array.from(meanVector([new Float32Array([1, 2]), new Float32Array([3, 6])], 2))).toEqual([2, 4]);
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
