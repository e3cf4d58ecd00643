import { describe, expect, it } from 'vitest';

import { compareRuns, VectorLengthMismatchError } from '../../src/experiments/metrics.js';
import { PoolingAccumulator, UnknownLayerError } from '../../src/experiments/pooling-accumulator.js';

describe('PoolingAccumulator', () => {
  it('keeps a per-layer mean and count', () => {
    const accumulator = new PoolingAccumulator([4, 2], 2);
    accumulator.addSample([new Float32Array([1, 2]), new Float32Array([10, 0])]);
    accumulator.addSample([new Float32Array([3, 6]), new Float32Array([0, 10])]);
    accumulator.add(4, new Float32Array([5, 10]));
    expect(accumulator.count(4)).toBe(3);
    expect(accumulator.count(2)).toBe(2);
    const means = accumulator.means();
    expect([...means.keys()]).toEqual([4, 2]);
    expect(Array.from(means.get(4) ?? [])).toEqual([3, 6]);
    expect(Array.from(means.get(2) ?? [])).toEqual([5, 5]);
    expect(means.get(4)).toBeInstanceOf(Float32Array);
  });

  it('leaves out layers that received nothing', () => {
    const accumulator = new PoolingAccumulator([0, 1, 2], 1);
    accumulator.add(2, new Float32Array([4]));
    accumulator.add(0, new Float32Array([2]));
    expect(accumulator.layerIndices()).toEqual([0, 2]);
    expect(accumulator.count(1)).toBe(0);
    const runMeans = accumulator.toRunMeans('base');
    expect(runMeans.name).toBe('base');
    expect(runMeans.layerIndices).toEqual([0, 2]);
    expect(runMeans.meanByLayer.has(1)).toBe(false);
  });

  it('sums in float64 so large and small values do not cancel', () => {
    const accumulator = new PoolingAccumulator([0], 1);
    for (const value of [16777216, 1, 1]) accumulator.add(0, new Float32Array([value]));
    expect(accumulator.means().get(0)?.[0]).toBe(5592406);
  });

  it('feeds compareRuns', () => {
    const a = new PoolingAccumulator([0], 2);
    const b = new PoolingAccumulator([0], 2);
    a.add(0, new Float32Array([3, 4]));
    b.add(0, new Float32Array([0, 0]));
    b.add(0, new Float32Array([0, 2]));
    // b's mean is (0, 1): |(3,4) − (0,1)| = √18, cos = 4 / (5 · 1).
    const comparison = compareRuns(a.toRunMeans('a'), b.toRunMeans('b'), true);
    expect(comparison.layer_l2_distance?.[0]).toBeCloseTo(3 * Math.SQRT2, 12);
    expect(comparison.layer_cosine_similarity).toEqual([0.8]);
  });

  it('rejects unknown layers, wrong lengths, duplicate layers and bad hidden sizes', () => {
    const accumulator = new PoolingAccumulator([0, 1], 2);
    expect(() => accumulator.add(7, new Float32Array(2))).toThrow(UnknownLayerError);
    expect(() => accumulator.add(7, new Float32Array(2))).toThrow('Layer 7 was not requested for this run (requested: 0, 1).');
    expect(() => accumulator.add(0, new Float32Array(3))).toThrow(VectorLengthMismatchError);
    expect(() => accumulator.addSample([new Float32Array(2)])).toThrow(VectorLengthMismatchError);
    expect(() => accumulator.count(9)).toThrow(UnknownLayerError);
    expect(() => new PoolingAccumulator([1, 1], 2)).toThrow('Layer 1 is listed twice');
    expect(() => new PoolingAccumulator([0], 0)).toThrow(RangeError);
  });
});
