import type { ProbeLayerView, ProbeView } from '../../src/contract/index.js';
import { colorAt, countTickStep, translucent, type ChartFigure, type ChartTrace } from './charts.js';

const PROBE_COLOR = colorAt(0);
const MAJORITY_COLOR = '#6b7785';
const CONTROL_COLOR = colorAt(1);
const MARK_COLOR = colorAt(2);

/** A probe's label as the UI names it: the dataset label or a metadata field. */
export function probeTarget(probe: Pick<ProbeView, 'labelField'>): string {
  return probe.labelField === null ? 'dataset label' : `metadata “${probe.labelField}”`;
}

/** How far above a layer's interval its significance mark sits. */
const MARK_LIFT = 0.04;

function layerMarks(probe: ProbeView, layers: readonly number[], name: string, symbol: string, size: number, y: (layer: ProbeLayerView) => number, color: string): ChartTrace {
  const shown = probe.layers.filter((layer) => layers.includes(layer.layer));
  return {
    type: 'scatter',
    mode: 'markers',
    name,
    x: shown.map((layer) => layer.layer),
    y: shown.map(y),
    marker: { size, color, symbol, line: { color, width: 2 } },
    hovertemplate: `${name}<br>layer %{x}<extra></extra>`,
    meta: { kind: 'mark', label: name },
  };
}

/**
 * Held-out probe accuracy per layer with its bootstrap band, the majority-class baseline and the control task as
 * lines, a mark above each layer beyond chance (Holm), and the best and earliest-within-one-SE layers ringed: all
 * as the engine stored them.
 */
export function probeAccuracyFigure(probe: ProbeView): ChartFigure {
  const layers = probe.layers.map((layer) => layer.layer);
  const level = Math.round(probe.confidenceLevel * 100);
  const line = (name: string, kind: 'probe' | 'baseline' | 'control', y: number[], color: string, dash?: string): ChartTrace => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x: layers,
    y,
    line: { color, width: 2, ...(dash === undefined ? {} : { dash }) },
    marker: { size: kind === 'probe' ? 6 : 4, color },
    hovertemplate: `${name}<br>layer %{x}<br>accuracy %{y:.3f}<extra></extra>`,
    meta: { kind, label: name },
  });
  const traces: ChartTrace[] = [
    {
      type: 'scatter',
      mode: 'lines',
      name: `${level}% CI`,
      x: [...layers, ...[...layers].reverse()],
      y: [...probe.layers.map((layer) => layer.accuracyCi.high), ...[...probe.layers].reverse().map((layer) => layer.accuracyCi.low)],
      fill: 'toself',
      fillcolor: translucent(PROBE_COLOR),
      line: { width: 0 },
      hoverinfo: 'skip',
      meta: { kind: 'band', label: `${level}% CI` },
    },
    line('Probe accuracy', 'probe', probe.layers.map((layer) => layer.accuracy), PROBE_COLOR),
    line('Majority class', 'baseline', probe.layers.map((layer) => layer.majorityAccuracy), MAJORITY_COLOR, 'dash'),
    line('Control task', 'control', probe.layers.map((layer) => layer.controlAccuracy), CONTROL_COLOR, 'dot'),
  ];
  if (probe.layersBeyondChance.length > 0) {
    traces.push(
      layerMarks(probe, probe.layersBeyondChance, `Beyond chance (Holm p < ${probe.significanceLevel})`, 'asterisk-open', 9, (layer) => Math.min(layer.accuracyCi.high + MARK_LIFT, 1.06), MARK_COLOR),
    );
  }
  traces.push(
    layerMarks(probe, [probe.bestLayer], 'Best layer', 'circle-open', 16, (layer) => layer.accuracy, '#000000'),
    layerMarks(probe, [probe.earliestWithinOneSe], 'Earliest within 1 SE', 'square-open', 13, (layer) => layer.accuracy, colorAt(4)),
  );
  return { traces, xTitle: 'Layer', yTitle: 'Held-out accuracy', layerAxis: true, yRange: [0, 1.1] };
}

/** One layer's held-out predictions: true class by row, predicted class by column, each cell's count printed in it. */
export function probeConfusionFigure(probe: ProbeView, layer: number): ChartFigure | null {
  const entry = probe.layers.find((candidate) => candidate.layer === layer);
  if (entry === undefined) return null;
  const max = Math.max(1, ...entry.confusion.flat());
  return {
    traces: [
      {
        type: 'heatmap',
        x: probe.classes,
        y: probe.classes,
        z: entry.confusion,
        text: entry.confusion.map((row) => row.map(String)),
        texttemplate: '%{text}',
        colorscale: 'Blues',
        reversescale: true,
        zmin: 0,
        zmax: max,
        colorbar: { title: { text: 'samples' }, dtick: countTickStep(max), tickformat: 'd' },
        hovertemplate: 'true %{y}<br>predicted %{x}<br>%{z} samples<extra></extra>',
        meta: { kind: 'confusion', label: `layer ${layer}` },
      },
    ],
    xTitle: 'Predicted class',
    yTitle: 'True class',
    layerAxis: false,
    categorical: true,
  };
}
