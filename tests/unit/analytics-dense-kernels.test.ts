import { describe, expect, it } from 'vitest';
import { addScaled4At, crossGram, dot4At, rowGram } from '../../src/analytics/dense-kernels.js';

describe('dense kernels (hand-computed)', () => {
  it('dot4At: four dot products of one row with rows of a strided matrix', () => {
    const a = Float64Array.from([9, 1, 2, 3]);
    // Rows start at 1 with stride 3; each dot covers a[1..3] against three entries.
    const b = Float64Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
    const out = new Float64Array(5);
    dot4At(a, 1, b, 1, 3, 3, out, 1);
    expect(Array.from(out)).toEqual([0, 1, 2, 3, 6]);
  });

  it('addScaled4At: adds four multiples of one row to four strided rows', () => {
    const target = new Float64Array(8);
    addScaled4At(target, 0, 2, Float64Array.from([5, 1, 2]), 1, 2, Float64Array.from([1, -1, 0.5, 2]), 0);
    expect(Array.from(target)).toEqual([1, 2, -1, -2, 0.5, 1, 2, 4]);
  });

  it('rowGram and crossGram: X·Xᵀ and A·Bᵀ', () => {
    const x = { values: Float64Array.from([1, 2, 3, 4]), rows: 2, columns: 2 };
    const y = { values: Float64Array.from([1, 0, 0, 1, 1, 1]), rows: 3, columns: 2 };
    expect(Array.from(rowGram(x))).toEqual([5, 11, 11, 25]);
    expect(Array.from(crossGram(y, x))).toEqual([1, 3, 2, 4, 3, 7]);
  });

  it('rowGram equals crossGram(X, X) for odd and even row counts (the 2 × 2 blocks and the last row alone)', () => {
    for (const rows of [4, 5, 7]) {
      const x = { values: Float64Array.from({ length: rows * 6 }, (_, k) => Math.sin(k + rows)), rows, columns: 6 };
      const blocked = rowGram(x);
      crossGram(x, x).forEach((value, k) => expect(blocked[k]).toBeCloseTo(value, 12));
    }
  });

  it('crossGram: every entry a dot product, for odd and even row counts on both sides', () => {
    for (const [rowsA, rowsB] of [[3, 5], [4, 2], [5, 4], [1, 1]] as const) {
      const a = { values: Float64Array.from({ length: rowsA * 5 }, (_, k) => Math.cos(k)), rows: rowsA, columns: 5 };
      const b = { values: Float64Array.from({ length: rowsB * 5 }, (_, k) => Math.sin(2 * k)), rows: rowsB, columns: 5 };
      const product = crossGram(a, b);
      for (let i = 0; i < rowsA; i++) {
        for (let j = 0; j < rowsB; j++) {
          let expected = 0;
          for (let q = 0; q < 5; q++) expected += (a.values[i * 5 + q] as number) * (b.values[j * 5 + q] as number);
          expect(product[i * rowsB + j]).toBeCloseTo(expected, 12);
        }
      }
    }
  });
});
