import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pca2dFromCentredGram } from '../../src/analytics/pca.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { centreGram, gramMatrix } from '../../src/analytics/vector-math.js';

function pcaOf(points: number[][], seed = 1): ReturnType<typeof pca2dFromCentredGram> {
  return pca2dFromCentredGram(centreGram(gramMatrix(points)), createSeededRng(seed));
}

function expectCoordinates(actual: Array<[number, number]>, expected: Array<[number, number]>): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach(([x, y], i) => {
    expect(actual[i]?.[0]).toBeCloseTo(x, 9);
    expect(actual[i]?.[1]).toBeCloseTo(y, 9);
  });
}

describe('pca2dFromCentredGram (hand-computed)', () => {
  it('recovers a cross of points: variances 18 and 2 of 20', () => {
    // Already centred; PC1 is the x axis (λ = 9 + 9), PC2 the y axis (λ = 1 + 1).
    const result = pcaOf([
      [3, 0, 0],
      [-3, 0, 0],
      [0, 1, 0],
      [0, -1, 0],
    ]);
    expect(result.converged).toBe(true);
    expect(result.explainedVarianceRatio[0]).toBeCloseTo(0.9, 12);
    expect(result.explainedVarianceRatio[1]).toBeCloseTo(0.1, 12);
    // Sign rule: the first largest-magnitude entry of each component is positive.
    expectCoordinates(result.coordinates, [
      [3, 0],
      [-3, 0],
      [0, 1],
      [0, -1],
    ]);
  });

  it('puts collinear points on PC1 with nothing left for PC2, whatever the seed', () => {
    for (const seed of [1, 2, 99]) {
      const result = pcaOf(
        [
          [0, 5],
          [2, 5],
          [4, 5],
        ],
        seed,
      );
      expect(result.explainedVarianceRatio[0]).toBeCloseTo(1, 12);
      expect(result.explainedVarianceRatio[1]).toBeCloseTo(0, 12);
      expectCoordinates(result.coordinates, [
        [2, 0],
        [0, 0],
        [-2, 0],
      ]);
    }
  });

  it('gives zeros for samples without spread', () => {
    const result = pcaOf([
      [1, 1],
      [1, 1],
    ]);
    expect(result.explainedVarianceRatio).toEqual([0, 0]);
    expect(result.coordinates).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});

interface PcaFixture {
  name: string;
  points: number[][];
  coordinates: Array<[number, number]>;
  explainedVarianceRatio: [number, number];
}

// From the SVD of the centred points, by tests/fixtures/analytics/make_expected.py.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/analytics/expected.json', import.meta.url), 'utf8')) as {
  pca: PcaFixture[];
};

describe('pca2dFromCentredGram against NumPy SVD', () => {
  for (const reference of fixture.pca) {
    it(`matches both components (${reference.name})`, () => {
      const result = pcaOf(reference.points);
      reference.explainedVarianceRatio.forEach((ratio, k) => {
        expect(Math.abs((result.explainedVarianceRatio[k] as number) - ratio), `ratio ${k}`).toBeLessThanOrEqual(1e-9 * ratio);
      });
      expect(result.explainedVarianceRatio[0] + result.explainedVarianceRatio[1]).toBeLessThanOrEqual(1);
      // Each component against its own scale: PC2 is tiny next to PC1 in the dominant case.
      for (const component of [0, 1] as const) {
        const scale = Math.max(...reference.coordinates.map((point) => Math.abs(point[component])));
        reference.coordinates.forEach((point, i) => {
          const actual = result.coordinates[i]?.[component] as number;
          expect(Math.abs(actual - point[component]), `sample ${i}, PC${component + 1}`).toBeLessThanOrEqual(1e-8 * scale);
        });
      }
      expect(result.converged).toBe(true);
    });
  }
});
