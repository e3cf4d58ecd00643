import { describe, expect, it } from 'vitest';
import { analysePair, type RunVectors } from '../../src/analytics/divergence.js';
import { PCA_RESIDUAL_TOLERANCE } from '../../src/analytics/pca.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { pairRecord } from '../../src/experiments/divergence-json.js';

/** `count` samples of `hidden` values per layer: noise around `offset`, plus a large spread along the first axis. */
function run(name: string, layers: number, count: number, hidden: number, offset: number, seed: number): RunVectors {
  const rng = createSeededRng(seed);
  return {
    name,
    vectorsByLayer: Array.from({ length: layers }, () =>
      Array.from({ length: count }, () =>
        Float32Array.from({ length: hidden }, (_, j) => (j === 0 ? 500 * (rng.nextFloat() - 0.5) : 0) + offset + rng.nextFloat() - 0.5),
      ),
    ),
    labels: Array.from({ length: count }, () => null),
  };
}

describe('pairRecord (results.json divergence)', () => {
  it('records each layer\'s PCA residuals and whether both components converged', () => {
    const analysis = analysePair({ a: run('a', 2, 8, 5, 0, 1), b: run('b', 2, 6, 5, 0.2, 2), layers: [0, 1], paired: false, options: { nBoot: 0, nPerm: 0 } });
    const record = pairRecord(analysis);
    expect(record.pca_residual_tolerance).toBe(PCA_RESIDUAL_TOLERANCE);
    for (const layer of record.layers) {
      expect(layer.pca.converged).toBe(true);
      expect(layer.pca.residuals).toHaveLength(2);
      layer.pca.residuals.forEach((residual) => expect(residual).toBeLessThan(1e-12));
      expect(layer.pca.explained_variance_ratio[0] + layer.pca.explained_variance_ratio[1]).toBeLessThanOrEqual(1);
    }
  });
});
