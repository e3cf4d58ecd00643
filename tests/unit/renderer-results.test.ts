import { describe, expect, it } from 'vitest';
import type { ComparisonView, ResultSet, RunView } from '../../src/api/contract.js';
import { heatmapFigure, normFigure, pairMetricFigure } from '../../renderer/src/charts.js';
import { LayerSpecError, parseLayerSpec } from '../../renderer/src/layer-spec.js';
import { cosineHeatmap, divergenceCallouts, formatMetric, layerRows } from '../../renderer/src/results-math.js';

function run(label: string, norms: number[]): RunView {
  return {
    ref: { experimentId: '1', runName: label },
    label,
    dataset: label,
    prompt: label,
    numSamples: 4,
    seed: 42,
    pooling: 'last_token',
    layerIndices: norms.map((_, i) => i),
    meanActivationNorms: norms,
  };
}

function pair(runA: string, runB: string, cosine: number[], l2: number[]): ComparisonView {
  return {
    runA,
    runB,
    layerIndices: cosine.map((_, i) => i),
    meanCosineSimilarity: 0,
    meanL2Distance: 0,
    layerCosineSimilarity: cosine,
    layerL2Distance: l2,
    cosineBand: null,
    l2Band: null,
  };
}

const twoRuns: ResultSet = {
  experiment: null,
  runs: [run('histo', [10, 12, 20]), run('radio', [11, 15, 21])],
  comparisons: [pair('histo', 'radio', [0.9, 0.5, 0.5], [3, 9, 7])],
};

const threeRuns: ResultSet = {
  experiment: null,
  runs: [...twoRuns.runs, run('mcq', [9, 9, 9])],
  comparisons: [twoRuns.comparisons[0] as ComparisonView, pair('histo', 'mcq', [0.8, 0.7, 0.6], [1, 2, 3]), pair('radio', 'mcq', [0.95, 0.9, 0.2], [1, 1, 8])],
};

describe('divergence callouts', () => {
  it('names the lowest-cosine and highest-L2 layer per pair, earlier layer on ties', () => {
    expect(divergenceCallouts(twoRuns.comparisons)).toEqual([
      { pair: 'histo vs radio', lowestCosine: { layer: 1, value: 0.5 }, highestL2: { layer: 1, value: 9 } },
    ]);
  });
});

describe('layer rows and heatmap', () => {
  it('lines up every pair and run per layer', () => {
    expect(layerRows(twoRuns)[2]).toEqual({ layer: 2, cosine: { 'histo vs radio': 0.5 }, l2: { 'histo vs radio': 7 }, norm: { histo: 20, radio: 21 } });
  });

  it('gives a pairs × layers cosine grid', () => {
    expect(cosineHeatmap(threeRuns)).toEqual({
      layers: [0, 1, 2],
      pairs: ['histo vs radio', 'histo vs mcq', 'radio vs mcq'],
      z: [
        [0.9, 0.5, 0.5],
        [0.8, 0.7, 0.6],
        [0.95, 0.9, 0.2],
      ],
    });
  });

  it('formats cosine with four decimals and distances with two', () => {
    expect(formatMetric(0.123456, 'cosine')).toBe('0.1235');
    expect(formatMetric(12.345, 'distance')).toBe('12.35');
    expect(formatMetric(null, 'cosine')).toBe('–');
  });
});

describe('chart figures', () => {
  it('draws one line per pair, plus a band trace only where a band exists', () => {
    expect(pairMetricFigure(threeRuns, 'cosine').traces.map((trace) => trace.meta.kind)).toEqual(['pair', 'pair', 'pair']);
    const banded: ResultSet = {
      ...twoRuns,
      comparisons: [{ ...(twoRuns.comparisons[0] as ComparisonView), l2Band: { low: [2, 8, 6], high: [4, 10, 8] } }],
    };
    const l2 = pairMetricFigure(banded, 'l2');
    expect(l2.traces.map((trace) => trace.meta.kind)).toEqual(['band', 'pair']);
    expect(l2.traces[0]?.y).toEqual([4, 10, 8, 6, 8, 2]);
    expect(l2.traces[0]?.x).toEqual([0, 1, 2, 2, 1, 0]);
  });

  it('draws one norm line per run, and a heatmap only with more than two runs', () => {
    expect(normFigure(threeRuns).traces.map((trace) => trace.name)).toEqual(['histo', 'radio', 'mcq']);
    expect(heatmapFigure(twoRuns)).toBeNull();
    expect(heatmapFigure(threeRuns)?.traces[0]?.type).toBe('heatmap');
  });
});

describe('layer selection text', () => {
  it('reads "all", numbers and ranges', () => {
    expect(parseLayerSpec(' all ')).toBeNull();
    expect(parseLayerSpec('')).toBeNull();
    expect(parseLayerSpec('8, 0-2, 1')).toEqual([0, 1, 2, 8]);
  });

  it('explains what is wrong', () => {
    expect(() => parseLayerSpec('5-2')).toThrow(new LayerSpecError('5-2', 'the range 5-2 runs backwards.'));
    expect(() => parseLayerSpec('1, x')).toThrow('Layers "1, x": "x" is not a layer number or a range like 0-5.');
  });
});
