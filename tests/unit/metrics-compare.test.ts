import { describe, expect, it } from 'vitest';

import {
  compareRuns,
  meanActivationNorms,
  pairsFor,
  type RunMeans,
  VectorLengthMismatchError,
} from '../../src/experiments/metrics.js';

function run(name: string, layers: Array<[number, number[]]>): RunMeans {
  return {
    name,
    layerIndices: layers.map(([layer]) => layer),
    meanByLayer: new Map(layers.map(([layer, values]) => [layer, new Float32Array(values)])),
  };
}

describe('pairsFor', () => {
  it('pairwise: every i<j in variant order', () => {
    expect(pairsFor(['a', 'b', 'c', 'd'], 'pairwise')).toEqual([
      [0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3],
    ]);
  });

  it('baseline: the first run against each other run', () => {
    expect(pairsFor(['a', 'b', 'c'], 'baseline')).toEqual([[0, 1], [0, 2]]);
  });

  it('fewer than two runs: no pairs', () => {
    expect(pairsFor(['a'], 'pairwise')).toEqual([]);
    expect(pairsFor([], 'baseline')).toEqual([]);
  });
});

describe('compareRuns', () => {
  // Layer 1 is missing from b; b lists its layers in another order. Common layers follow a's order: [0, 2].
  const a = run('histopathology', [[0, [1, 0]], [1, [5, 5]], [2, [3, 4]]]);
  const b = run('radiology', [[2, [6, 8]], [0, [0, 1]]]);

  it('computes per-layer cosine and L2 over the common layers and their means', () => {
    const comparison = compareRuns(a, b, true);
    expect(comparison.run_a).toBe('histopathology');
    expect(comparison.run_b).toBe('radiology');
    expect(comparison.layer_indices).toEqual([0, 2]);
    expect(comparison.layer_cosine_similarity).toEqual([0, 1]);
    expect(comparison.layer_l2_distance?.[0]).toBeCloseTo(Math.SQRT2, 12);
    expect(comparison.layer_l2_distance?.[1]).toBe(5);
    expect(comparison.mean_cosine_similarity).toBe(0.5);
    expect(comparison.mean_l2_distance).toBeCloseTo((Math.SQRT2 + 5) / 2, 12);
  });

  it('keeps the CoTLab key order and omits per-layer arrays when not stored', () => {
    const comparison = compareRuns(a, b, false);
    expect(Object.keys(comparison)).toEqual([
      'run_a', 'run_b', 'layer_indices', 'mean_cosine_similarity', 'mean_l2_distance',
    ]);
    expect(Object.keys(compareRuns(a, b, true)).slice(5)).toEqual(['layer_cosine_similarity', 'layer_l2_distance']);
  });

  it('gives 0 means when the runs share no layer', () => {
    const comparison = compareRuns(run('x', [[0, [1, 1]]]), run('y', [[1, [1, 1]]]), true);
    expect(comparison.layer_indices).toEqual([]);
    expect(comparison.mean_cosine_similarity).toBe(0);
    expect(comparison.mean_l2_distance).toBe(0);
    expect(comparison.layer_cosine_similarity).toEqual([]);
  });

  it('rejects mean vectors of different hidden sizes', () => {
    const mismatched = () => compareRuns(run('x', [[0, [1, 1]]]), run('y', [[0, [1, 1, 1]]]), true);
    expect(mismatched).toThrow(VectorLengthMismatchError);
    expect(mismatched).toThrow('Vector length mismatch in layer 0 of runs "x" and "y": expected 2 values, got 3.');
  });
});

describe('meanActivationNorms', () => {
  it('is the L2 norm of each layer mean, in layer order', () => {
    expect(meanActivationNorms(run('x', [[3, [3, 4]], [1, [0, 2]]]))).toEqual([5, 2]);
  });
});
