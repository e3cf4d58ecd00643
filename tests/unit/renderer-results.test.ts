import { describe, expect, it } from 'vitest';
import type { ComparisonView, LayerComparison, LayerDetail, ResultSet, RunView } from '../../src/contract/index.js';
import { ckaFigure, countTickStep, heatmapFigure, histogramBins, legendName, normFigure, pairMetricFigure, pcaFigure, projectionFigure, sampleCosineFigure } from '../../renderer/src/charts.js';
import { LayerSpecError, parseLayerSpec } from '../../renderer/src/layer-spec.js';
import { pairFindings } from '../../src/results/findings.js';
import { findingsView } from '../../src/services/result-view.js';
import { cosineHeatmap, divergenceCallouts, formatInterval, formatMetric, formatP, initialLayer, layerRows } from '../../renderer/src/results-math.js';

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
    vectorsStored: true,
    settings: [],
    differences: [],
    status: 'completed',
    samplesDone: 4,
    samplesPlanned: 4,
    partial: false,
  };
}

function layer(index: number, cosine: number, l2: number, extra: Partial<LayerComparison> = {}): LayerComparison {
  return { layer: index, cosine, l2, cosineCi: null, l2Ci: null, pValue: null, pValueHolm: null, cka: null, centredCosine: null, relativeL2: null, l2NoiseFloor: null, l2Debiased: null, cohensDHeldOut: null, ...extra };
}

/** A pair as the engine serves it: its findings computed by the engine from the same layers. */
function pair(runA: string, runB: string, cosine: number[], l2: number[], extra: (i: number) => Partial<LayerComparison> = () => ({})): ComparisonView {
  const layers = cosine.map((value, i) => layer(i, value, l2[i] as number, extra(i)));
  const values = layers.map((entry) => ({ layer: entry.layer, cosine: entry.cosine, l2: entry.l2, pValue: entry.pValue, centredCosine: null, relativeL2: null }));
  return {
    runA,
    runB,
    refA: { experimentId: '1', runName: runA },
    refB: { experimentId: '1', runName: runB },
    paired: false,
    meanCosineSimilarity: 0,
    meanL2Distance: 0,
    layers,
    findings: findingsView(pairFindings(runA, runB, values, { cosine: 0, l2: 0 })),
    analysis: null,
    partial: false,
  };
}

const settings = { confidenceLevel: 0.95, bootstrapResamples: 1000, permutations: 1000, significanceLevel: 0.05, seed: 42, resampling: 'independent' as const };

const twoRuns: ResultSet = {
  experiment: null,
  runs: [run('histo', [10, 12, 20]), run('radio', [11, 15, 21])],
  comparisons: [pair('histo', 'radio', [0.9, 0.5, 0.5], [3, 9, 7])],
  differingSettings: [],
  live: false,
};

const threeRuns: ResultSet = {
  experiment: null,
  runs: [...twoRuns.runs, run('mcq', [9, 9, 9])],
  comparisons: [twoRuns.comparisons[0] as ComparisonView, pair('histo', 'mcq', [0.8, 0.7, 0.6], [1, 2, 3]), pair('radio', 'mcq', [0.95, 0.9, 0.2], [1, 1, 8])],
  differingSettings: [],
  live: false,
};

/** One layer's samples: a run-A sample labelled 2, two run-B samples (true, no label). */
const detail: LayerDetail = {
  layer: 3,
  runA: '1:histo',
  runB: '1:radio',
  paired: false,
  points: [
    { run: 'a', position: 0, datasetIndex: 14, label: 2, pc1: 1, pc2: 0.5, projection: -1 },
    { run: 'b', position: 0, datasetIndex: 7, label: true, pc1: -1, pc2: 0, projection: 1 },
    { run: 'b', position: 1, datasetIndex: 9, label: null, pc1: -2, pc2: 1, projection: 2 },
  ],
  explainedVarianceRatio: [0.75, 0.125],
  sampleCosines: null,
  sampleCosineSummary: null,
  directionNorm: 2,
  cohensD: 3,
  cohensDHeldOut: 1.5,
  relativeL2: 0.1,
  l2NoiseFloor: 0.5,
  l2Debiased: 1.9,
  labelGroups: [],
};

describe('divergence callouts', () => {
  it('names the lowest-cosine and highest-L2 layer per pair, earlier layer on ties', () => {
    expect(divergenceCallouts(twoRuns.comparisons)).toEqual([
      {
        pair: 'histo vs radio',
        lowestCosine: { layer: 1, value: 0.5 },
        highestL2: { layer: 1, value: 9 },
        differingLayers: null,
        testedLayers: 0,
        significanceLevel: 0.05,
      },
    ]);
  });

  it("shows the engine's layers beyond chance", () => {
    const raw = [0.2, 0.004, 0.02];
    const tested = { ...pair('histo', 'radio', [0.9, 0.5, 0.5], [3, 9, 7], (i) => ({ pValue: raw[i] as number })), analysis: settings };
    // Holm: 0.004·3 = 0.012, 0.02·2 = 0.04, max(0.04, 0.2) = 0.2: layers 1 and 2 pass at 0.05.
    expect(divergenceCallouts([tested])[0]).toMatchObject({ differingLayers: [1, 2], testedLayers: 3 });
  });
});

describe('layer rows and heatmap', () => {
  it('lines up every pair and run per layer', () => {
    const row = layerRows(twoRuns)[2];
    expect(row?.layer).toBe(2);
    expect(row?.pairs['histo vs radio']).toMatchObject({ cosine: 0.5, l2: 7 });
    expect(row?.norm).toEqual({ histo: 20, radio: 21 });
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

  it('opens on the first pair’s lowest-cosine layer', () => {
    expect(initialLayer(twoRuns)).toBe(1);
    expect(initialLayer({ ...twoRuns, comparisons: [] })).toBe(0);
  });

  it('formats cosine with four decimals, distances with two, p-values with three', () => {
    expect(formatMetric(0.123456, 'cosine')).toBe('0.1235');
    expect(formatMetric(12.345, 'distance')).toBe('12.35');
    expect(formatMetric(null, 'cosine')).toBe('–');
    expect(formatInterval({ low: 0.5, high: 0.75 }, 'cosine')).toBe('0.5000 – 0.7500');
    expect(formatP(0.04321)).toBe('0.043');
    expect(formatP(0.0002)).toBe('< 0.001');
    expect(formatP(null)).toBe('–');
  });
});

describe('chart figures', () => {
  it('draws one line per pair, plus a band trace only where every layer has an interval', () => {
    expect(pairMetricFigure(threeRuns, 'cosine').traces.map((trace) => trace.meta.kind)).toEqual(['pair', 'pair', 'pair']);
    const bands = [
      { low: 2, high: 4 },
      { low: 8, high: 10 },
      { low: 6, high: 8 },
    ];
    const banded: ResultSet = { ...twoRuns, comparisons: [{ ...pair('histo', 'radio', [0.9, 0.5, 0.5], [3, 9, 7], (i) => ({ l2Ci: bands[i] ?? null })), analysis: settings }] };
    const l2 = pairMetricFigure(banded, 'l2');
    expect(l2.traces.map((trace) => trace.meta.kind)).toEqual(['band', 'pair']);
    expect(l2.traces[0]?.y).toEqual([4, 10, 8, 6, 8, 2]);
    expect(l2.traces[0]?.x).toEqual([0, 1, 2, 2, 1, 0]);
    expect(l2.traces[0]?.name).toBe('95% CI');
    expect(pairMetricFigure(banded, 'cosine').traces.map((trace) => trace.meta.kind)).toEqual(['pair']);
  });

  it('draws one norm line per run, a heatmap only with more than two runs, CKA only for paired pairs', () => {
    expect(normFigure(threeRuns).traces.map((trace) => trace.name)).toEqual(['histo', 'radio', 'mcq']);
    expect(heatmapFigure(twoRuns)).toBeNull();
    expect(heatmapFigure(threeRuns)?.traces[0]?.type).toBe('heatmap');
    expect(ckaFigure(twoRuns)).toBeNull();
    const paired: ResultSet = { ...twoRuns, comparisons: [{ ...pair('histo', 'radio', [0.9, 0.5, 0.5], [3, 9, 7], (i) => ({ cka: 0.9 - i / 10 })), paired: true }] };
    expect(ckaFigure(paired)?.traces[0]?.y).toEqual([0.9, 0.8, 0.7]);
  });

  it('scatters the PCA points one trace per run or per label, with run, position, dataset index and label for the hover and clicks', () => {
    const figure = pcaFigure(detail, ['histo', 'radio'], ['#111111', '#222222']);
    expect(figure.traces.map((trace) => [trace.name, trace.x])).toEqual([
      ['histo', [1]],
      ['radio', [-1, -2]],
    ]);
    // Run, position in the run, dataset index, label: for the hover and for clicking through to the sample.
    expect(figure.traces[1]?.customdata).toEqual([
      ['b', 0, 7, 'true'],
      ['b', 1, 9, '(no label)'],
    ]);
    expect(figure.xTitle).toBe('PC1 (75.0% of variance)');
    expect(figure.yTitle).toBe('PC2 (12.5% of variance)');
    const byLabel = pcaFigure(detail, ['histo', 'radio'], ['#111111', '#222222'], 'label');
    expect(byLabel.traces.map((trace) => [trace.name, trace.x, trace.marker?.symbol])).toEqual([
      ['label (no label)', [-2], ['diamond']],
      ['label 2', [1], ['circle']],
      ['label true', [-1], ['diamond']],
    ]);
    expect(sampleCosineFigure(detail, '#111111')).toBeNull();
    const spread = sampleCosineFigure({ ...detail, paired: true, sampleCosines: [0.9, 0.8, 0.8] }, '#111111');
    expect(spread?.traces[0]?.y?.reduce((sum: number, count) => sum + Number(count), 0)).toBe(3);
    expect(spread?.yDtick).toBe(1);
  });

  it('histograms the projections of both runs over shared bins, with whole-number count ticks', () => {
    const figure = projectionFigure(detail, ['histo', 'radio'], ['#111111', '#222222']);
    expect(figure.traces.map((trace) => trace.meta.kind)).toEqual(['projection', 'projection']);
    expect(figure.traces[0]?.x).toEqual(figure.traces[1]?.x);
    expect(figure.traces.map((trace) => trace.y?.reduce((sum: number, count) => sum + Number(count), 0))).toEqual([1, 2]);
    expect(figure.barmode).toBe('overlay');
    expect(figure.yDtick).toBe(1);
  });

  it('breaks a long pair name in the legend before its "vs", and leaves a short one', () => {
    expect(legendName('histo vs radio')).toBe('histo vs radio');
    expect(legendName('1:histopathology (output format json) vs 2:histopathology (output format plain)')).toBe(
      '1:histopathology (output format json)<br>vs 2:histopathology (output format plain)',
    );
  });

  it('bins values evenly and picks whole-number tick steps for counts', () => {
    expect(histogramBins([0, 1, 2, 3], 3)).toEqual({ centres: [0.5, 1.5, 2.5], width: 1, counts: [1, 1, 2] });
    expect(histogramBins([5, 5], 10).counts).toEqual([2]);
    expect(histogramBins([], 10).counts).toEqual([]);
    expect([3, 6, 7, 30, 61, 300].map(countTickStep)).toEqual([1, 1, 2, 5, 20, 50]);
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
