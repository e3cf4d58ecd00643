import { describe, expect, it } from 'vitest';
import type { ResultSet } from '../../src/api/contract.js';
import { resultsCsv, resultsHtml } from '../../src/api/report-export.js';
import { comparisonViews } from '../../src/api/result-view.js';
import type { ComparisonRecord } from '../../src/store/types.js';

function row(layer: number, cosine: number, l2: number, band: boolean): ComparisonRecord {
  return {
    runAId: 1,
    runBId: 2,
    runAName: 'histo',
    runBName: 'radio',
    layer,
    cosine,
    l2,
    centredCosine: null,
    relativeL2: null,
    cosineCiLow: band ? cosine - 0.1 : null,
    cosineCiHigh: band ? cosine + 0.1 : null,
    l2CiLow: null,
    l2CiHigh: null,
    pValue: null,
    nPermutations: null,
    cka: null,
  };
}

describe('stored comparisons as per-pair views', () => {
  it('groups rows by pair in layer order and averages them', () => {
    const [view] = comparisonViews([row(1, 0.5, 4, true), row(0, 0.9, 2, true)]);
    expect(view?.layerIndices).toEqual([0, 1]);
    expect(view?.layerCosineSimilarity).toEqual([0.9, 0.5]);
    expect(view?.meanCosineSimilarity).toBeCloseTo(0.7, 12);
    expect(view?.meanL2Distance).toBe(3);
    expect(view?.cosineBand?.low[0]).toBeCloseTo(0.8, 12);
    expect(view?.l2Band).toBeNull();
  });

  it('gives no band when any layer lacks one', () => {
    expect(comparisonViews([row(0, 0.9, 2, true), row(1, 0.5, 4, false)])[0]?.cosineBand).toBeNull();
  });
});

const result: ResultSet = {
  experiment: null,
  runs: [
    { ref: { experimentId: '1', runName: 'a,b' }, label: 'a,b', dataset: 'd', prompt: 'p', numSamples: 2, seed: 1, pooling: 'mean', layerIndices: [0], meanActivationNorms: [5] },
  ],
  comparisons: [
    { runA: 'a,b', runB: '<c>', layerIndices: [0, 1], meanCosineSimilarity: 0.5, meanL2Distance: 2, layerCosineSimilarity: [0.25, 0.75], layerL2Distance: [1, 3], cosineBand: null, l2Band: null },
  ],
};

describe('report exports', () => {
  it('writes one CSV row per pair and layer, then per run and layer, quoting commas', () => {
    expect(resultsCsv(result)).toBe(
      'kind,run_a,run_b,layer,cosine_similarity,l2_distance,mean_activation_norm\npair,"a,b",<c>,0,0.25,1,\npair,"a,b",<c>,1,0.75,3,\nrun,"a,b",,0,,,5\n',
    );
  });

  it('writes HTML without scripts and with every name escaped', () => {
    const html = resultsHtml(result, 'Compare <x>');
    expect(html).toContain('<title>Compare &lt;x&gt;</title>');
    expect(html).toContain('a,b vs &lt;c&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html.match(/<svg /g)?.length).toBe(3);
  });
});
