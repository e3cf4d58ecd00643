import type { ResultSet } from '../../src/api/contract.js';
import { cosineHeatmap, pairLabel } from './results-math.js';

/** The subset of a Plotly trace the workbench draws; `meta.kind` tells lines from their confidence bands. */
export interface ChartTrace {
  type: 'scatter' | 'heatmap';
  name?: string;
  x: (number | string)[];
  y: (number | string | null)[];
  z?: (number | null)[][];
  mode?: 'lines' | 'lines+markers';
  fill?: 'toself';
  line?: { color?: string; width?: number; dash?: string };
  marker?: { size?: number; color?: string };
  fillcolor?: string;
  hoverinfo?: 'skip';
  hovertemplate?: string;
  showlegend?: boolean;
  colorscale?: string;
  zmin?: number;
  zmax?: number;
  colorbar?: { title?: { text: string } };
  meta: { kind: 'pair' | 'band' | 'run' | 'heatmap'; label: string };
}

export interface ChartFigure {
  traces: ChartTrace[];
  yTitle: string;
  xTitle: string;
}

/** Calm, colour-blind-friendly line colours (Okabe–Ito). */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

function colorAt(i: number): string {
  return SERIES_COLORS[i % SERIES_COLORS.length] ?? '#0072B2';
}

function translucent(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.15)`;
}

/** Per-layer metric of every pair: one line per pair, plus a shaded band per pair where the store has one. */
export function pairMetricFigure(result: ResultSet, metric: 'cosine' | 'l2'): ChartFigure {
  const traces: ChartTrace[] = [];
  result.comparisons.forEach((comparison, i) => {
    const color = colorAt(i);
    const label = pairLabel(comparison);
    const band = metric === 'cosine' ? comparison.cosineBand : comparison.l2Band;
    if (band) {
      traces.push({
        type: 'scatter',
        x: [...comparison.layerIndices, ...[...comparison.layerIndices].reverse()],
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
      x: comparison.layerIndices,
      y: metric === 'cosine' ? comparison.layerCosineSimilarity : comparison.layerL2Distance,
      line: { color, width: 2 },
      marker: { size: 5, color },
      hovertemplate: `${label}<br>layer %{x}<br>${metric === 'cosine' ? 'cosine %{y:.4f}' : 'L2 %{y:.2f}'}<extra></extra>`,
      meta: { kind: 'pair', label },
    });
  });
  return { traces, xTitle: 'Layer', yTitle: metric === 'cosine' ? 'Cosine similarity' : 'L2 distance' };
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
  return { traces, xTitle: 'Layer', yTitle: 'Mean activation norm' };
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
  };
}
