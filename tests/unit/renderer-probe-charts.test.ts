import { describe, expect, it } from 'vitest';
import type { ProbeLayerView, ProbeView } from '../../src/contract/index.js';
import { probeAccuracyFigure, probeConfusionFigure, probeTarget } from '../../renderer/src/probe-charts.js';

function layer(index: number, accuracy: number, confusion: number[][]): ProbeLayerView {
  return {
    layer: index,
    accuracy,
    accuracyCi: { low: accuracy - 0.1, high: accuracy + 0.1 },
    balancedAccuracy: accuracy,
    macroF1: accuracy,
    accuracySe: 0.05,
    majorityAccuracy: 0.5,
    controlAccuracy: 0.48,
    selectivity: accuracy - 0.48,
    pValue: 0.01,
    pValueHolm: 0.03,
    confusion,
    unconvergedFits: 0,
  };
}

const probe: ProbeView = {
  run: { experimentId: '1', runName: 'radiology' },
  labelField: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  samples: 10,
  classes: ['0', '1'],
  classCounts: [5, 5],
  // The stored findings deliberately differ from what the accuracies alone would suggest: the chart draws what is stored.
  bestLayer: 2,
  earliestWithinOneSe: 1,
  layersBeyondChance: [1, 2],
  folds: 5,
  innerFolds: 3,
  seed: 42,
  confidenceLevel: 0.95,
  significanceLevel: 0.05,
  permutations: 1000,
  layers: [
    layer(0, 0.5, [
      [3, 2],
      [3, 2],
    ]),
    layer(1, 0.8, [
      [4, 1],
      [1, 4],
    ]),
    layer(2, 0.98, [
      [5, 0],
      [1, 4],
    ]),
  ],
};

describe('probe charts', () => {
  it('draws accuracy with its band, both baselines, and marks the stored findings', () => {
    const figure = probeAccuracyFigure(probe);
    const byName = new Map(figure.traces.map((trace) => [trace.name, trace]));
    expect(figure.traces.map((trace) => trace.meta.kind)).toEqual(['band', 'probe', 'baseline', 'control', 'mark', 'mark', 'mark']);
    expect(byName.get('95% CI')?.y).toEqual([0.6, 0.9, 1.08, 0.88, 0.7, 0.4].map((v) => expect.closeTo(v, 10)));
    expect(byName.get('Probe accuracy')?.y).toEqual([0.5, 0.8, 0.98]);
    expect(byName.get('Majority class')?.y).toEqual([0.5, 0.5, 0.5]);
    expect(byName.get('Control task')?.y).toEqual([0.48, 0.48, 0.48]);
    const marks = byName.get('Beyond chance (Holm p < 0.05)');
    expect(marks?.x).toEqual([1, 2]);
    // Above the interval, but kept inside the plotted range.
    expect(marks?.y).toEqual([expect.closeTo(0.94, 10), 1.06]);
    expect(byName.get('Best layer')).toMatchObject({ x: [2], y: [0.98] });
    expect(byName.get('Earliest within 1 SE')).toMatchObject({ x: [1], y: [0.8] });
    expect(figure).toMatchObject({ layerAxis: true, yRange: [0, 1.1] });
  });

  it('leaves out the significance marks when no layer is beyond chance', () => {
    const names = probeAccuracyFigure({ ...probe, layersBeyondChance: [] }).traces.map((trace) => trace.name);
    expect(names).not.toContain('Beyond chance (Holm p < 0.05)');
  });

  it('shows a layer’s confusion matrix with class names on categorical axes and whole-number count ticks', () => {
    const figure = probeConfusionFigure(probe, 2);
    expect(figure).toMatchObject({ categorical: true, xTitle: 'Predicted class', yTitle: 'True class', layerAxis: false });
    expect(figure?.traces[0]).toMatchObject({
      type: 'heatmap',
      x: ['0', '1'],
      y: ['0', '1'],
      z: [
        [5, 0],
        [1, 4],
      ],
      zmin: 0,
      zmax: 5,
      text: [
        ['5', '0'],
        ['1', '4'],
      ],
      texttemplate: '%{text}',
      colorbar: { dtick: 1, tickformat: 'd' },
    });
    expect(probeConfusionFigure(probe, 7)).toBeNull();
  });

  it('names what was probed', () => {
    expect(probeTarget(probe)).toBe('dataset label');
    expect(probeTarget({ labelField: 'model_id' })).toBe('metadata “model_id”');
  });
});
