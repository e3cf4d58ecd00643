import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { largestEigenpairs } from '../../src/analytics/symmetric-eigen.js';

interface EigenFixture {
  name: string;
  matrix: number[][];
  values: number[];
  vectors: number[][];
}

// numpy.linalg.eigh (LAPACK) by tests/fixtures/analytics/make_expected.py.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/analytics/expected.json', import.meta.url), 'utf8')) as {
  eigen: EigenFixture[];
};

function flat(rows: number[][]): Float64Array {
  return Float64Array.from(rows.flat());
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

describe('largestEigenpairs', () => {
  for (const reference of fixture.eigen) {
    it(`matches LAPACK's two largest eigenpairs (${reference.name})`, () => {
      const size = reference.matrix.length;
      const pairs = largestEigenpairs(flat(reference.matrix), size, 2, createSeededRng(3));
      const norm = Math.max(...reference.values.map(Math.abs));
      pairs.forEach((pair, k) => {
        expect(Math.abs(pair.value - (reference.values[k] as number))).toBeLessThanOrEqual(1e-12 * norm);
        // Eigenvectors are defined up to sign.
        const alignment = Math.abs(dot(pair.vector, reference.vectors[k] as number[]));
        expect(1 - alignment, `vector ${k}`).toBeLessThanOrEqual(1e-12);
        expect(pair.residual).toBeLessThanOrEqual(1e-14);
      });
    });
  }

  it('returns an orthonormal pair for a repeated top eigenvalue', () => {
    // Eigenvalues 5 (e₁), 5 and 1 (the lower block's (0,1,1)/√2 and (0,1,−1)/√2).
    const matrix = flat([
      [5, 0, 0],
      [0, 3, 2],
      [0, 2, 3],
    ]);
    const [first, second] = largestEigenpairs(matrix, 3, 2, createSeededRng(8));
    expect(first?.value).toBeCloseTo(5, 12);
    expect(second?.value).toBeCloseTo(5, 12);
    expect(dot(first?.vector ?? [], second?.vector ?? [])).toBeCloseTo(0, 12);
    expect(dot(second?.vector ?? [], second?.vector ?? [])).toBeCloseTo(1, 12);
    expect(Math.max(first?.residual ?? 1, second?.residual ?? 1)).toBeLessThanOrEqual(1e-14);
  });

  it('handles diagonal, tiny and zero matrices', () => {
    const diagonal = largestEigenpairs(flat([[1, 0, 0], [0, 7, 0], [0, 0, 3]]), 3, 2, createSeededRng(1));
    expect(diagonal.map((pair) => pair.value)).toEqual([7, 3]);
    Array.from(diagonal[0]?.vector ?? []).forEach((entry, i) => expect(Math.abs(entry)).toBeCloseTo(i === 1 ? 1 : 0, 14));
    const single = largestEigenpairs(flat([[-2]]), 1, 2, createSeededRng(1));
    expect(single.map((pair) => pair.value)).toEqual([-2]);
    const zero = largestEigenpairs(new Float64Array(4), 2, 2, createSeededRng(1));
    expect(zero.map((pair) => [pair.value, pair.residual])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});
