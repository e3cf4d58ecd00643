import { describe, expect, it } from 'vitest';
import { layersFromRecords, layersFromStoredComparison } from '../../src/services/result-view.js';
import type { StoredRunComparison } from '../../src/experiments/compare-stored-runs.js';
import type { ComparisonRecord } from '../../src/store/types.js';
import { pairFindings } from '../../src/results/findings.js';

function row(layer: number, cosine: number, l2: number, analytics: Partial<ComparisonRecord>): ComparisonRecord {
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
    cosineCiLow: null,
    cosineCiHigh: null,
    l2CiLow: null,
    l2CiHigh: null,
    pValue: null,
    nPermutations: null,
    cka: null,
    pValueHolm: null,
    l2NoiseFloor: null,
    l2Debiased: null,
    cohensDHeldOut: null,
    ...analytics,
  };
}

describe('stored comparison rows as a pair’s layers', () => {
  it('orders layers, pairs interval bounds and shows the stored Holm-adjusted p-values as stored', () => {
    const layers = layersFromRecords([
      row(2, 0.5, 4, { pValue: 0.03, pValueHolm: 0.06, cosineCiLow: 0.4, cosineCiHigh: 0.6 }),
      row(0, 0.9, 2, { pValue: 0.04, pValueHolm: 0.06, cosineCiLow: 0.85, cosineCiHigh: 0.95, l2CiLow: 1.5, l2CiHigh: 2.5, cka: 0.7 }),
      row(1, 0.7, 3, { pValue: 0.01, pValueHolm: 0.03, cosineCiLow: 0.6, cosineCiHigh: 0.8 }),
    ]);
    expect(layers.map((layer) => layer.layer)).toEqual([0, 1, 2]);
    expect(layers.map((layer) => layer.pValueHolm)).toEqual([0.06, 0.03, 0.06]);
    expect(layers[0]).toMatchObject({ cosineCi: { low: 0.85, high: 0.95 }, l2Ci: { low: 1.5, high: 2.5 }, cka: 0.7 });
    expect(layers[1]?.l2Ci).toBeNull();
  });
});

describe('a cross-experiment comparison as a pair’s layers', () => {
  it('takes cosine and L2 of the means, and the analytics of the layers that were analysed', () => {
    const compared = {
      runA: '1:histo',
      runB: '2:radio',
      paired: false,
      layers: [
        { layer: 0, cosine: 0.9, l2: 2, relativeL2: 0.2 },
        { layer: 1, cosine: 0.8, l2: 3, relativeL2: 0.3 },
      ],
      analysis: {
        perLayer: [
          {
            layer: 1,
            cosineCi: { low: 0.7, high: 0.85 },
            l2Ci: { low: 2, high: 4 },
            pValue: 0.02,
            paired: null,
            centredCosine: null,
            l2NoiseFloor: 1.5,
            l2Debiased: 2.6,
            direction: { cohensDHeldOut: 0.8 },
          },
        ],
      },
      findings: pairFindings(
        '1:histo',
        '2:radio',
        [
          { layer: 0, cosine: 0.9, l2: 2, pValue: null, centredCosine: null, relativeL2: 0.2 },
          { layer: 1, cosine: 0.8, l2: 3, pValue: 0.02, centredCosine: null, relativeL2: 0.3 },
        ],
        { cosine: 0.85, l2: 2.5 },
      ),
    } as unknown as StoredRunComparison;
    const layers = layersFromStoredComparison(compared);
    expect(layers[0]).toMatchObject({ layer: 0, cosine: 0.9, cosineCi: null, pValueHolm: null, relativeL2: 0.2 });
    expect(layers[1]).toMatchObject({ layer: 1, cosineCi: { low: 0.7, high: 0.85 }, pValue: 0.02, pValueHolm: 0.02, cka: null });
    expect(layers[1]).toMatchObject({ l2NoiseFloor: 1.5, l2Debiased: 2.6, cohensDHeldOut: 0.8 });
    expect(layers[0]).toMatchObject({ l2NoiseFloor: null, cohensDHeldOut: null });
  });
});
