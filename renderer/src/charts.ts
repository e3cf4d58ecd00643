import type { LayerDetail, ResultSet } from '../../src/contract/index.js';
import { cosineHeatmap, metricBand, pairLabel } from './results-math.js';

/** The subset of a Plotly trace the workbench draws; `meta.kind` tells lines from their confidence bands. */
export interface ChartTrace {
  type: 'scatter' | 'heatmap' | 'histogram';
  name?: string;
  x: (number | string)[];
  y?: (number | string | null)[];
  z?: (number | null)[][];
  mode?: 'lines' | 'lines+markers' | 'markers';
  fill?: 'toself';
  line?: { color?: string; width?: number; dash?: string };
  marker?: { size?: number; color?: string; opacity?: number; symbol?: string; line?: { color: string; width: number } };
  fillcolor?: string;
  hoverinfo?: 'skip';
  hovertemplate?: string;
  customdata?: (number | string)[][];
  showlegend?: boolean;
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  colorbar?: { title?: { text: string } };
  nbinsx?: number;
  meta: { kind: 'pair' | 'band' | 'run' | 'heatmap' | 'cka' | 'pca' | 'histogram'; label: string };
}

export interface ChartFigure {
  traces: ChartTrace[];
  yTitle: string;
  xTitle: string;
  /** The x axis is the layer index (whole-number ticks; clicking a point picks that layer). */
  layerAxis: boolean;
  yRange?: [number, number];
  /** Tick spacing of the y axis, e.g. 1 for small counts (no fractional sample counts). */
  yDtick?: number;
}

/** Calm, colour-blind-friendly line colours (Okabe–Ito). */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

export function colorAt(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? '#0072B2';
}

/** A run's colour: the same in the norm plot and the PCA scatter. */
export function runColor(result: ResultSet, label: string): string {
  return colorAt(Math.max(0, result.runs.findIndex((run) => run.label === label)));
}

function translucent(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.18)`;
}

/** Per-layer metric of every pair: one line per pair, with its bootstrap confidence band where there is one. */
export function pairMetricFigure(result: ResultSet, metric: 'cosine' | 'l2'): ChartFigure {
  const traces: ChartTrace[] = [];
  result.comparisons.forEach((comparison, i) => {
    const color = colorAt(i);
    const label = pairLabel(comparison);
    const layers = comparison.layers.map((layer) => layer.layer);
    const band = metricBand(comparison, metric);
    if (band) {
      const level = Math.round((comparison.analysis?.confidenceLevel ?? 0.95) * 100);
      traces.push({
        type: 'scatter',
        mode: 'lines',
        name: `${level}% CI`,
        x: [...layers, ...[...layers].reverse()],
        y: [...band.high, ...[...band.low].reverse()],
        fill: 'toself',
        fillcolor: translucent(color),
        line: { width: 0 },
        hoverinfo: 'skip',
        showlegend: false,
        meta: { kind: 'band', label },
      });
    }
    traces.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: label,
      x: layers,
      y: comparison.layers.map((layer) => (metric === 'cosine' ? layer.cosine : layer.l2)),
      line: { color, width: 2 },
      marker: { size: 5, color },
      hovertemplate: `${label}<br>layer %{x}<br>${metric === 'cosine' ? 'cosine %{y:.4f}' : 'L2 %{y:.2f}'}<extra></extra>`,
      meta: { kind: 'pair', label },
    });
  });
  return { traces, xTitle: 'Layer', yTitle: metric === 'cosine' ? 'Cosine similarity' : 'L2 distance', layerAxis: true };
}

/** Mean activation norm per layer: one line per run. */
export function normFigure(result: ResultSet): ChartFigure {
  const traces = result.runs.map(
    (run, i): ChartTrace => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: run.label,
      x: run.layerIndices,
      y: run.meanActivationNorms,
      line: { color: colorAt(i), width: 2, dash: 'dot' },
      marker: { size: 5, color: colorAt(i) },
      hovertemplate: `${run.label}<br>layer %{x}<br>norm %{y:.2f}<extra></extra>`,
      meta: { kind: 'run', label: run.label },
    }),
  );
  return { traces, xTitle: 'Layer', yTitle: 'Mean activation norm', layerAxis: true };
}

/** Linear CKA per layer of the paired pairs (same samples in both runs); null when no pair is paired. */
export function ckaFigure(result: ResultSet): ChartFigure | null {
  const traces = result.comparisons.flatMap((comparison, i): ChartTrace[] => {
    const layers = comparison.layers.filter((layer) => layer.cka !== null);
    if (!comparison.paired || layers.length === 0) return [];
    const label = pairLabel(comparison);
    return [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: label,
        x: layers.map((layer) => layer.layer),
        y: layers.map((layer) => layer.cka),
        line: { color: colorAt(i), width: 2 },
        marker: { size: 5, color: colorAt(i) },
        hovertemplate: `${label}<br>layer %{x}<br>CKA %{y:.4f}<extra></extra>`,
        meta: { kind: 'cka', label },
      },
    ];
  });
  return traces.length === 0 ? null : { traces, xTitle: 'Layer', yTitle: 'Linear CKA', layerAxis: true, yRange: [0, 1.02] };
}

/** Layers × pairs cosine heatmap; only meaningful with more than two runs (more than one pair). */
export function heatmapFigure(result: ResultSet): ChartFigure | null {
  if (result.runs.length <= 2) return null;
  const grid = cosineHeatmap(result);
  return {
    traces: [
      {
        type: 'heatmap',
        x: grid.layers,
        y: grid.pairs,
        z: grid.z,
        colorscale: 'Viridis',
        colorbar: { title: { text: 'cosine' } },
        hovertemplate: '%{y}<br>layer %{x}<br>cosine %{z:.4f}<extra></extra>',
        meta: { kind: 'heatmap', label: 'cosine by layer and pair' },
      },
    ],
    xTitle: 'Layer',
    yTitle: '',
    layerAxis: true,
  };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The samples of both runs on the layer's first two principal components, one colour (and name) per run. */
export function pcaFigure(detail: LayerDetail, names: readonly [string, string], colors: readonly [string, string]): ChartFigure {
  const sides = [
    { run: 'a' as const, name: names[0], color: colors[0], symbol: 'circle' },
    { run: 'b' as const, name: names[1], color: colors[1], symbol: 'diamond' },
  ];
  const traces = sides.map(({ run, name, color, symbol }): ChartTrace => {
    const points = detail.points.filter((point) => point.run === run);
    return {
      type: 'scatter',
      mode: 'markers',
      name,
      x: points.map((point) => point.pc1),
      y: points.map((point) => point.pc2),
      customdata: points.map((point) => [point.datasetIndex, point.label === null ? '(none)' : String(point.label)]),
      marker: { size: 8, color, opacity: 0.8, symbol, line: { color: '#ffffff', width: 0.5 } },
      hovertemplate: `${name}<br>dataset index %{customdata[0]}<br>label %{customdata[1]}<br>PC1 %{x:.3f}, PC2 %{y:.3f}<extra></extra>`,
      meta: { kind: 'pca', label: name },
    };
  });
  const [pc1, pc2] = detail.explainedVarianceRatio;
  return { traces, xTitle: `PC1 (${percent(pc1)} of variance)`, yTitle: `PC2 (${percent(pc2)} of variance)`, layerAxis: false };
}

/** Paired runs: how the cosine between each sample's two activations is spread at the layer; null when unpaired. */
export function sampleCosineFigure(detail: LayerDetail, color: string): ChartFigure | null {
  if (detail.sampleCosines === null) return null;
  return {
    traces: [
      {
        type: 'histogram',
        name: 'samples',
        x: detail.sampleCosines,
        nbinsx: 30,
        marker: { color },
        showlegend: false,
        hovertemplate: 'cosine %{x}<br>%{y} samples<extra></extra>',
        meta: { kind: 'histogram', label: `${detail.runA} vs ${detail.runB}` },
      },
    ],
    xTitle: 'Cosine of a sample’s two activations',
    yTitle: 'Samples',
    layerAxis: false,
    yDtick: detail.sampleCosines.length <= 10 ? 1 : undefined,
  };
}
