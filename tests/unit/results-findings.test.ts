import { describe, expect, it } from 'vitest';
import { holmPValueAt, meanOverLayers, pairFindings, requireFindingsOfPair, MissingFindingsError, type LayerValues } from '../../src/results/findings.js';
import { RANKED_LAYER_COUNT, rankedLayers } from '../../src/results/rankings.js';
import { holmAdjust, layersBeyondChance, SIGNIFICANCE_LEVEL } from '../../src/results/significance.js';

describe('Holm adjustment (hand-computed)', () => {
  it('adjusts p-values with Holm–Bonferroni, keeping the input order', () => {
    // Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((expected, i) => expect(adjusted[i]).toBeCloseTo(expected, 12));
    expect(holmAdjust([0.6, 0.9])).toEqual([1, 1]);
  });

  it('names the layers below the level, ascending', () => {
    expect(layersBeyondChance([7, 3, 5], [0.01, 0.049, 0.05])).toEqual([3, 7]);
    expect(SIGNIFICANCE_LEVEL).toBe(0.05);
  });
});

describe('ranked layers', () => {
  const layers = [0, 1, 2, 3, 4, 5, 6];
  const cosines = [0.9, 0.2, 0.5, 0.2, 0.99, 0.1, 0.7];

  it('lists the RANKED_LAYER_COUNT lowest values, ties in layer order', () => {
    expect(RANKED_LAYER_COUNT).toBe(5);
    expect(rankedLayers(layers, cosines, 1)).toEqual([
      { layer: 5, value: 0.1 },
      { layer: 1, value: 0.2 },
      { layer: 3, value: 0.2 },
      { layer: 2, value: 0.5 },
      { layer: 6, value: 0.7 },
    ]);
  });

  it('lists the highest values and skips absent ones', () => {
    expect(rankedLayers([0, 1, 2], [1, null, Number.NaN], -1)).toEqual([{ layer: 0, value: 1 }]);
    expect(rankedLayers([0, 1, 2], [3, 9, 3], -1).map((score) => score.layer)).toEqual([1, 0, 2]);
  });
});

describe('pair findings', () => {
  const values: LayerValues[] = [
    { layer: 0, cosine: 0.9, l2: 1, pValue: 0.001, centredCosine: null, relativeL2: 0.1 },
    { layer: 1, cosine: 0.5, l2: 4, pValue: 0.04, centredCosine: null, relativeL2: 0.4 },
    { layer: 2, cosine: 0.7, l2: 2, pValue: 0.5, centredCosine: null, relativeL2: 0.2 },
  ];

  it('computes rankings, Holm p-values and the layers beyond chance once', () => {
    const findings = pairFindings('a', 'b', values, { cosine: 0.7, l2: 7 / 3 });
    expect(findings.lowest_cosine_layers.map((score) => score.layer)).toEqual([1, 2, 0]);
    expect(findings.highest_l2_layers.map((score) => score.layer)).toEqual([1, 2, 0]);
    expect(findings.highest_relative_l2_layers.map((score) => score.layer)).toEqual([1, 2, 0]);
    expect(findings.lowest_centred_cosine_layers).toEqual([]);
    // Holm: 0.001·3 = 0.003, 0.04·2 = 0.08, 0.5·1 → max(0.08, 0.5) = 0.5.
    expect(findings.p_values_holm.map((p) => Number(p?.toFixed(12)))).toEqual([0.003, 0.08, 0.5]);
    expect(findings.tested_layers).toBe(3);
    expect(findings.layers_beyond_chance).toEqual([0]);
    expect(holmPValueAt(findings, 1)).toBeCloseTo(0.08, 12);
    expect(holmPValueAt(findings, 9)).toBeNull();
  });

  it('adjusts over the tested layers only, and says nothing about significance when none was tested', () => {
    const partly = pairFindings('a', 'b', [{ ...values[0]!, pValue: null }, values[1]!, values[2]!], { cosine: 0, l2: 0 });
    // Holm over layers 1 and 2: 0.04·2 = 0.08, max(0.08, 0.5·1) = 0.5.
    expect(partly.p_values_holm).toEqual([null, expect.closeTo(0.08, 12), 0.5]);
    expect(partly.tested_layers).toBe(2);
    expect(partly.layers_beyond_chance).toEqual([]);
    const untested = pairFindings('a', 'b', values.map((value) => ({ ...value, pValue: null })), { cosine: 0, l2: 0 });
    expect(untested.p_values_holm).toEqual([null, null, null]);
    expect(untested.tested_layers).toBe(0);
    expect(untested.layers_beyond_chance).toBeNull();
  });

  it('keeps CoTLab means over layers, 0 without layers', () => {
    expect(meanOverLayers([1, 2, 6])).toBe(3);
    expect(meanOverLayers([])).toBe(0);
  });

  it('refuses a pair whose findings were never computed', () => {
    const findings = [pairFindings('a', 'b', values, { cosine: 0, l2: 0 })];
    expect(requireFindingsOfPair(findings, 'a', 'b').run_b).toBe('b');
    expect(() => requireFindingsOfPair(findings, 'b', 'a')).toThrow(MissingFindingsError);
  });
});
