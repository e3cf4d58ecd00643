import { describe, expect, it } from 'vitest';
import { analysePair, type PairAnalysis, type RunVectors } from '../../src/analytics/divergence.js';
import { PCA_RESIDUAL_TOLERANCE } from '../../src/analytics/pca.js';
import { permutationCountFor } from '../../src/analytics/permutation-count.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { analyseRunPairs, type AnalysedRun } from '../../src/experiments/analyse.js';
import { findingsFor } from '../../src/analytics/layer-rows.js';
import { pairRecord } from '../../src/experiments/divergence-json.js';
import { SIGNIFICANCE_LEVEL } from '../../src/results/significance.js';

/** The findings a run computes for an analysed pair whose comparison kept no per-layer values of its own. */
function findingsOf(analysis: PairAnalysis) {
  const comparison = { run_a: analysis.runA, run_b: analysis.runB, layer_indices: analysis.layers, mean_cosine_similarity: 0, mean_l2_distance: 0 };
  return findingsFor(comparison, analysis);
}

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
    const record = pairRecord(analysis, findingsOf(analysis));
    expect(record.pca_residual_tolerance).toBe(PCA_RESIDUAL_TOLERANCE);
    for (const layer of record.layers) {
      expect(layer.pca.converged).toBe(true);
      expect(layer.pca.residuals).toHaveLength(2);
      layer.pca.residuals.forEach((residual) => expect(residual).toBeLessThan(1e-12));
      expect(layer.pca.explained_variance_ratio[0] + layer.pca.explained_variance_ratio[1]).toBeLessThanOrEqual(1);
    }
  });
});

/** A run whose samples at every layer are noise around `offset` in each coordinate. */
function shifted(name: string, layers: number, count: number, offset: number, seed: number): AnalysedRun {
  const rng = createSeededRng(seed);
  return {
    name,
    vectorsByLayer: Array.from({ length: layers }, () =>
      Array.from({ length: count }, () => Float32Array.from({ length: 4 }, () => offset + rng.nextFloat() - 0.5)),
    ),
    labels: Array.from({ length: count }, () => null),
    sampleIndices: Array.from({ length: count }, (_, i) => i),
    datasetHash: null,
  };
}

describe('the permutation count of an analysed pair', () => {
  it('flags every layer of a 62-layer model whose runs obviously differ, and records why it could', () => {
    const layers = Array.from({ length: 62 }, (_, i) => i);
    const [analysis] = analyseRunPairs([shifted('a', 62, 12, 0, 1), shifted('b', 62, 12, 3, 2)], [[0, 1]], layers, 42);
    const record = pairRecord(analysis as PairAnalysis, findingsOf(analysis as PairAnalysis));
    expect(record.n_perm).toBe(12400);
    expect(record.holm_p_floor).toBe(62 / 12401);
    expect(record.n_perm_rule).toBe(permutationCountFor(62, SIGNIFICANCE_LEVEL).rule);
    // With equal run sizes the swapped labelling ties the observed distance, so a layer may see a hit or two.
    expect(Math.max(...record.layers.map((layer) => layer.p_value ?? 1))).toBeLessThanOrEqual(3 / 12401);
    expect(record.differing_layers).toEqual(layers);
  });

  it('keeps 1000 permutations, and so every draw, for a few layers', () => {
    const runs = [shifted('a', 4, 6, 0, 3), shifted('b', 4, 5, 0.1, 4)];
    const [analysis] = analyseRunPairs(runs, [[0, 1]], [0, 1, 2, 3], 7);
    const fixed = analysePair({ a: runs[0] as AnalysedRun, b: runs[1] as AnalysedRun, layers: [0, 1, 2, 3], paired: false, options: { seed: 7 } });
    expect(analysis?.options.nPerm).toBe(1000);
    expect(analysis?.perLayer.map((layer) => layer.pValue)).toEqual(fixed.perLayer.map((layer) => layer.pValue));
  });
});
