import { parse } from 'csv-parse/sync';
import { runSettings } from '../fixtures/report/report-input.js';
import { describe, expect, it } from 'vitest';
import { analysePair } from '../../src/analytics/divergence.js';
import { findingsFor, layerRows } from '../../src/analytics/layer-rows.js';
import type { Comparison } from '../../src/results/types.js';
import { csvField, metricsCsv } from '../../src/report/csv.js';

const runA = 'histo, "v1"';
const runB = '=HYPERLINK("x")';

// Two layers, three samples each; layer 1 of run B is run A shifted by 3 along the first axis.
const analysis = analysePair({
  a: {
    name: runA,
    vectorsByLayer: [
      [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(1, 1)],
      [Float32Array.of(1, 0), Float32Array.of(0, 1), Float32Array.of(1, 1)],
    ],
    labels: [0, 1, 0],
  },
  b: {
    name: runB,
    vectorsByLayer: [
      [Float32Array.of(2, 0), Float32Array.of(0, 2), Float32Array.of(2, 2)],
      [Float32Array.of(4, 0), Float32Array.of(3, 1), Float32Array.of(4, 1)],
    ],
    labels: [0, 1, 0],
  },
  layers: [4, 9],
  paired: true,
  options: { nBoot: 50, nPerm: 50, seed: 1 },
});

const comparison: Comparison = {
  run_a: runA,
  run_b: runB,
  layer_indices: [4, 9],
  mean_cosine_similarity: 0.9,
  mean_l2_distance: 2,
  layer_cosine_similarity: [1, 0.8],
  layer_l2_distance: [0.9428, 3],
};

describe('csvField', () => {
  it('quotes commas, quotes and line breaks and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('-x,y')).toBe(`"'-x,y"`);
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });
});

describe('layerRows', () => {
  it("keeps CoTLab's stored cosine and L2 and takes the rest from the analysis", () => {
    const rows = layerRows(comparison, analysis, findingsFor(comparison, analysis));
    expect(rows.map((row) => [row.layer, row.cosine, row.l2])).toEqual([
      [4, 1, 0.9428],
      [9, 0.8, 3],
    ]);
    const layer9 = analysis.perLayer[1];
    expect(rows[1]).toMatchObject({
      pair: `${runA} vs ${runB}`,
      relativeL2: layer9?.relativeL2,
      l2Debiased: layer9?.l2Debiased,
      cosineCi: layer9?.cosineCi,
      pValue: layer9?.pValue,
      cka: layer9?.paired?.cka,
      cohensDHeldOut: layer9?.direction.cohensDHeldOut,
    });
    // Holm over two layers: the smaller p doubles, the larger is at least that.
    const [p4, p9] = [analysis.perLayer[0]?.pValue as number, layer9?.pValue as number];
    const smaller = Math.min(p4, p9);
    expect(Math.min(rows[0]?.pValueHolm as number, rows[1]?.pValueHolm as number)).toBeCloseTo(Math.min(1, 2 * smaller), 12);
  });

  it("uses the analysis's values when the comparison has no per-layer arrays, and nothing without either", () => {
    const { layer_cosine_similarity: _c, layer_l2_distance: _l, ...summaryOnly } = comparison;
    expect(layerRows(summaryOnly, analysis, undefined).map((row) => row.cosine)).toEqual(analysis.perLayer.map((layer) => layer.cosine));
    expect(layerRows(summaryOnly, undefined, undefined)).toEqual([]);
    const bare = layerRows(comparison, undefined, findingsFor(comparison, undefined));
    expect(bare[0]).toMatchObject({ cosine: 1, pValue: null, pValueHolm: null, cka: null, cosineCi: null });
  });

  it("computes the pair's findings from the same per-layer values the rows show", () => {
    const findings = findingsFor(comparison, analysis);
    expect(findings.layers).toEqual([4, 9]);
    expect(findings.lowest_cosine_layers[0]).toEqual({ layer: 9, value: 0.8 });
    expect(findings.mean_cosine_similarity).toBe(comparison.mean_cosine_similarity);
  });
});

describe('metricsCsv', () => {
  it('writes a header and one row per pair and layer that a CSV reader gets back intact', () => {
    const csv = metricsCsv([comparison], [analysis], [findingsFor(comparison, analysis)], [
      { name: runA, settings: runSettings({}) },
      { name: runB, settings: runSettings({ outputFormat: 'plain' }) },
    ]);
    expect(csv.split('\r\n')[0]).toBe(
      'pair,run_a,run_b,run_a_set_apart_by,run_b_set_apart_by,layer,cosine,l2,centred_cosine,relative_l2,l2_noise_floor,l2_debiased,cosine_ci_low,cosine_ci_high,l2_ci_low,l2_ci_high,p_value,p_value_holm,cka,cohens_d_held_out',
    );
    const records = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(2);
    expect(records[0]?.run_a).toBe(runA);
    expect(records[0]?.run_b).toBe(`'${runB}`);
    expect(records[1]?.layer).toBe('9');
    expect([records[0]?.run_a_set_apart_by, records[0]?.run_b_set_apart_by]).toEqual(['output format json', 'output format plain']);
    expect(Number(records[1]?.cosine)).toBe(0.8);
    expect(Number(records[1]?.cka)).toBe(analysis.perLayer[1]?.paired?.cka);
    expect(Number(records[1]?.cosine_ci_low)).toBe(analysis.perLayer[1]?.cosineCi?.low);
    expect(records[1]?.centred_cosine).toBe('');
  });
});
