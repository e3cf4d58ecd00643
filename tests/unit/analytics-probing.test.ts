import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationScores, confusionMatrix } from '../../src/analytics/classification-metrics.js';
import { AnalysisInputError } from '../../src/analytics/errors.js';
import { minimizeLbfgs } from '../../src/analytics/lbfgs.js';
import { heldOutPredictions, probeLayers, type ProbeSettings } from '../../src/analytics/probing.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { stratifiedFolds } from '../../src/analytics/stratified-folds.js';

interface ProbeCase {
  name: string;
  classes: number;
  labels: number[];
  folds: number[];
  c_per_fold: number[];
  layers: number[][][];
  sklearn: Array<{ predicted: number[]; accuracy: number; balanced_accuracy: number; macro_f1: number }>;
}

const expected = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'analytics', 'probe-expected.json'), 'utf8')) as {
  cases: ProbeCase[];
};

function matrix(rows: number[][]) {
  const columns = rows[0]?.length ?? 0;
  const values = new Float64Array(rows.length * columns);
  rows.forEach((row, i) => values.set(Float32Array.from(row), i * columns));
  return { values, rows: rows.length, columns };
}

const SETTINGS: ProbeSettings = {
  folds: 5,
  innerFolds: 3,
  cGrid: [0.001, 0.01, 0.1, 1, 10],
  seed: 42,
  bootstrapResamples: 200,
  confidenceLevel: 0.95,
  significanceLevel: 0.05,
};

describe('logistic probe against scikit-learn (same folds, same C)', () => {
  for (const probeCase of expected.cases) {
    it(`${probeCase.name}: held-out predictions and scores equal LogisticRegression's within 1e-3`, () => {
      const labels = Int32Array.from(probeCase.labels);
      probeCase.layers.forEach((rows, layer) => {
        const reference = probeCase.sklearn[layer]!;
        const ours = heldOutPredictions(matrix(rows), labels, probeCase.classes, Int32Array.from(probeCase.folds), probeCase.c_per_fold);
        expect(ours.unconvergedFits).toBe(0);
        const scores = classificationScores(labels, ours.predicted, probeCase.classes);
        expect(Math.abs(scores.accuracy - reference.accuracy)).toBeLessThan(1e-3);
        expect(Math.abs(scores.balancedAccuracy - reference.balanced_accuracy)).toBeLessThan(1e-3);
        expect(Math.abs(scores.macroF1 - reference.macro_f1)).toBeLessThan(1e-3);
        // Our metric code on scikit-learn's own predictions gives scikit-learn's numbers.
        const onTheirs = classificationScores(labels, reference.predicted, probeCase.classes);
        expect(onTheirs.balancedAccuracy).toBeCloseTo(reference.balanced_accuracy, 12);
        expect(onTheirs.macroF1).toBeCloseTo(reference.macro_f1, 12);
      });
    });
  }
});

describe('classification scores (hand-computed)', () => {
  it('counts a confusion matrix and reads accuracy, balanced accuracy and macro-F1 from it', () => {
    const truth = [0, 0, 0, 1, 1, 2];
    const predicted = [0, 0, 1, 1, 2, 2];
    expect(confusionMatrix(truth, predicted, 3)).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    const scores = classificationScores(truth, predicted, 3);
    expect(scores.accuracy).toBeCloseTo(4 / 6, 12);
    // Recalls 2/3, 1/2, 1 → mean 13/18.
    expect(scores.balancedAccuracy).toBeCloseTo(13 / 18, 12);
    // F1: class 0: p 1, r 2/3 → 0.8; class 1: p 1/2, r 1/2 → 0.5; class 2: p 1/2, r 1 → 2/3.
    expect(scores.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('leaves out of balanced accuracy a class absent from the truth, and scores its F1 as 0', () => {
    const scores = classificationScores([0, 0, 1], [0, 2, 1], 3);
    expect(scores.balancedAccuracy).toBeCloseTo((1 / 2 + 1) / 2, 12);
    expect(scores.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
  });
});

describe('L-BFGS', () => {
  it('finds the minimum of a convex quadratic and says it converged', () => {
    const result = minimizeLbfgs(
      (x, gradient) => {
        gradient[0] = 2 * ((x[0] as number) - 3);
        gradient[1] = 20 * ((x[1] as number) + 1);
        return ((x[0] as number) - 3) ** 2 + 10 * ((x[1] as number) + 1) ** 2;
      },
      new Float64Array(2),
    );
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(3, 8);
    expect(result.x[1]).toBeCloseTo(-1, 8);
  });

  it('reports no convergence when the iteration limit stops it first', () => {
    const rosenbrock = (x: Float64Array, gradient: Float64Array) => {
      const [a, b] = [x[0] as number, x[1] as number];
      gradient[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      gradient[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const result = minimizeLbfgs(rosenbrock, Float64Array.from([-1.2, 1]), { gradientTolerance: 1e-12, valueTolerance: 0, maxIterations: 3, memory: 5 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(3);
  });
});

describe('stratified folds', () => {
  it('keeps every class in each fold in its overall proportion, folds differing by at most one sample', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i < 60 ? 0 : i < 90 ? 1 : 2));
    const folds = stratifiedFolds(labels, 3, 5, createSeededRng(3));
    for (let fold = 0; fold < 5; fold++) {
      const members = labels.filter((_, i) => folds[i] === fold);
      expect([20, 21]).toContain(members.length);
      expect(members.filter((label) => label === 0).length).toBe(12);
      expect([6]).toContain(members.filter((label) => label === 1).length);
    }
  });
});

/** n samples with a binary label planted in one layer's first features; every other layer is noise. */
function planted(layerWithLabel: number, layers = 6, n = 200, hidden = 24) {
  const rng = createSeededRng(7);
  const labels = Array.from({ length: n }, (_, i) => i % 2 === 0);
  const vectorsByLayer = Array.from({ length: layers }, (_, layer) =>
    labels.map((label) => Float32Array.from({ length: hidden }, (_, j) => rng.nextFloat() - 0.5 + (layer === layerWithLabel && j < 4 && label ? 0.4 : 0))),
  );
  return { layers: Array.from({ length: layers }, (_, k) => k), vectorsByLayer, labels, sampleIndices: labels.map((_, i) => 100 + i) };
}

describe('probing a planted label', () => {
  const result = probeLayers({ ...planted(3), settings: SETTINGS });

  it('finds the layer that holds the label, with the control task at chance', () => {
    expect(result.bestLayer).toBe(3);
    expect(result.earliestWithinOneSe).toBe(3);
    const layer3 = result.layers[3]!;
    expect(layer3.scores.accuracy).toBeGreaterThan(0.8);
    expect(layer3.accuracyCi.low).toBeLessThan(layer3.scores.accuracy);
    expect(layer3.accuracyCi.high).toBeGreaterThan(layer3.scores.accuracy);
    for (const layer of result.layers) {
      expect(Math.abs(layer.controlAccuracy - 0.5)).toBeLessThan(0.15);
      expect(layer.majorityAccuracy).toBe(0.5);
      expect(layer.unconvergedFits).toBe(0);
    }
    expect(layer3.selectivity).toBeGreaterThan(0.25);
  });

  it('flags that layer alone after Holm adjustment', () => {
    expect(result.layersBeyondChance).toEqual([3]);
    expect(result.layers[3]!.pValueHolm).toBeLessThan(0.05);
    expect(result.permutations).toBeGreaterThanOrEqual(Math.ceil(6 / 0.05));
  });
});

describe('probing refuses what it cannot do', () => {
  it('names a class with fewer samples than folds', () => {
    const input = planted(1, 2, 40, 4);
    input.labels[0] = 'rare' as unknown as boolean;
    expect(() => probeLayers({ ...input, settings: SETTINGS })).toThrow(/Class rare has 1 sample, fewer than the 5 cross-validation folds/);
  });

  it('names a sample without a label', () => {
    const input = planted(1, 2, 40, 4);
    (input.labels as unknown[])[5] = null;
    expect(() => probeLayers({ ...input, settings: SETTINGS })).toThrow(AnalysisInputError);
    expect(() => probeLayers({ ...input, settings: SETTINGS })).toThrow(/Sample 105 has no label/);
  });
});
