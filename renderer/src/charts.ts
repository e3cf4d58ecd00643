import type { LayerDetail, ResultSet } from '../../src/contract/index.js';
import { cosineHeatmap, metricBand, pairLabel } from './results-math.js';

/** The subset of a Plotly trace the workbench draws; `meta.kind` tells lines from their confidence bands. */
export interface ChartTrace {
  type: 'scatter' | 'heatmap' | 'bar';
  name?: string;
  x: (number | string)[];
  y?: (number | string | null)[];
  z?: (number | null)[][];
  mode?: 'lines' | 'lines+markers' | 'markers';
  fill?: 'toself';
  line?: { color?: string; width?: number; dash?: string };
  marker?: { size?: number; color?: string; opacity?: number; symbol?: string | string[]; line?: { color: string; width: number } };
  fillcolor?: string;
  hoverinfo?: 'skip';
  hovertemplate?: string;
  customdata?: (number | string)[][];
  showlegend?: boolean;
  colorscale?: string;
  /** Light for low values (Plotly's Blues runs dark to light). */
  reversescale?: boolean;
  zmin?: number;
  zmax?: number;
  colorbar?: { title?: { text: string }; dtick?: number; tickformat?: string };
  /** Text of each heatmap cell (a token, a count), drawn by texttemplate. */
  text?: string[][];
  texttemplate?: string;
  /** Bar widths (bins of a histogram drawn as bars). */
  width?: number[];
  meta: {
    kind: 'pair' | 'band' | 'run' | 'heatmap' | 'cka' | 'pca' | 'histogram' | 'projection' | 'probe' | 'baseline' | 'control' | 'mark' | 'confusion';
    label: string;
  };
}

export interface ChartFigure {
  traces: ChartTrace[];
  yTitle: string;
  xTitle: string;
  /** The x axis is the layer index (whole-number ticks; clicking a point picks that layer). */
  layerAxis: boolean;
  yRange?: [number, number];
  /** Tick spacing of the y axis: whole numbers for counts (no fractional sample counts). */
  yDtick?: number;
  /** Bars of several traces drawn over each other (histograms of two runs). */
  barmode?: 'overlay';
  /** Both axes name categories (class names, ranks), never numbers, even when the names look like numbers. */
  categorical?: boolean;
}

/** Equal-width bins over the values' range: each bin's centre, width and how many values fall in it. */
export function histogramBins(values: readonly number[], binCount: number): { centres: number[]; width: number; counts: number[] } {
  if (values.length === 0) return { centres: [], width: 0, counts: [] };
  const low = Math.min(...values);
  const high = Math.max(...values);
  // All values equal: one bin around them.
  const span = high > low ? high - low : Math.max(Math.abs(low), 1) * 1e-3;
  const count = high > low ? binCount : 1;
  const width = span / count;
  const counts = new Array<number>(count).fill(0);
  for (const value of values) {
    const bin = Math.min(count - 1, Math.floor((value - low) / width));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const start = high > low ? low : low - width / 2;
  return { centres: counts.map((_, i) => start + (i + 0.5) * width), width, counts };
}

/** A tick step for an axis of counts up to `max`: a whole number (1, 2, 5, 10, 20, ...) giving at most about 6 ticks. */
export function countTickStep(max: number): number {
  let step = 1;
  for (let scale = 1; ; scale *= 10) {
    for (const base of [1, 2, 5]) {
      step = base * scale;
      if (max / step <= 6) return step;
    }
  }
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

export function translucent(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, 0.18)`;
}

/** A legend entry that fits a chart's width: a long pair name is broken before its "vs". */
export function legendName(label: string): string {
  return label.length > LEGEND_LINE_CHARS && label.includes(' vs ') ? label.replace(' vs ', '<br>vs ') : label;
}

/** About what fits on one legend line of a chart half the page wide at 1280 pixels. */
const LEGEND_LINE_CHARS = 44;

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
      name: legendName(label),
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
        name: legendName(label),
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

/** How the PCA points are coloured: by the run they come from, or by their label (the run then sets the marker). */
export type PcaColouring = 'run' | 'label';

const RUN_SYMBOLS = { a: 'circle', b: 'diamond' } as const;

/** A label as the charts name it. */
export function labelText(label: LayerDetail['points'][number]['label']): string {
  return label === null ? '(no label)' : String(label);
}

/**
 * The samples of both runs on the layer's first two principal components. Coloured by run (one trace per run) or
 * by label (one trace per label, the run shown by the marker). Each point carries [run, position, dataset index,
 * label] for the hover and for clicking through to the sample.
 */
export function pcaFigure(detail: LayerDetail, names: readonly [string, string], colors: readonly [string, string], colouring: PcaColouring = 'run'): ChartFigure {
  const groups =
    colouring === 'run'
      ? (['a', 'b'] as const).map((run, i) => ({ name: names[i] as string, color: colors[i] as string, points: detail.points.filter((point) => point.run === run) }))
      : [...new Set(detail.points.map((point) => labelText(point.label)))]
          .sort((x, y) => x.localeCompare(y, undefined, { numeric: true }))
          .map((label, i) => ({ name: `label ${label}`, color: colorAt(i), points: detail.points.filter((point) => labelText(point.label) === label) }));
  const traces = groups.map(({ name, color, points }): ChartTrace => ({
    type: 'scatter',
    mode: 'markers',
    name,
    x: points.map((point) => point.pc1),
    y: points.map((point) => point.pc2),
    customdata: points.map((point) => [point.run, point.position, point.datasetIndex, labelText(point.label)]),
    marker: {
      size: 9,
      color,
      opacity: 0.85,
      symbol: colouring === 'run' ? RUN_SYMBOLS[points[0]?.run ?? 'a'] : points.map((point) => RUN_SYMBOLS[point.run]),
      line: { color: '#ffffff', width: 0.5 },
    },
    hovertemplate: `${colouring === 'run' ? name : '%{customdata[0]}'}<br>dataset index %{customdata[2]}<br>label %{customdata[3]}<br>PC1 %{x:.3f}, PC2 %{y:.3f}<br>click for the text<extra></extra>`,
    meta: { kind: 'pca', label: name },
  }));
  const [pc1, pc2] = detail.explainedVarianceRatio;
  return { traces, xTitle: `PC1 (${percent(pc1)} of variance)`, yTitle: `PC2 (${percent(pc2)} of variance)`, layerAxis: false };
}

/** Bars of a histogram (own bins, so the count axis can have whole-number ticks). */
function histogramTrace(name: string, values: readonly number[], bins: ReturnType<typeof histogramBins>, color: string, kind: 'histogram' | 'projection', xLabel: string): ChartTrace {
  return {
    type: 'bar',
    name,
    x: bins.centres,
    y: bins.counts,
    width: bins.centres.map(() => bins.width),
    marker: { color, opacity: kind === 'projection' ? 0.6 : 1 },
    hovertemplate: `${name}<br>${xLabel} %{x:.3f}<br>%{y} samples<extra></extra>`,
    meta: { kind, label: `${name} (${values.length})` },
  };
}

/**
 * Each sample's projection on the diff-in-means direction (mean of run B minus mean of run A), one histogram per
 * run over shared bins: how well the direction separates the two runs' samples.
 */
export function projectionFigure(detail: LayerDetail, names: readonly [string, string], colors: readonly [string, string]): ChartFigure {
  const values = (run: 'a' | 'b') => detail.points.filter((point) => point.run === run).map((point) => point.projection);
  const all = detail.points.map((point) => point.projection);
  const shared = histogramBins(all, 20);
  const binsOf = (run: 'a' | 'b'): ReturnType<typeof histogramBins> => {
    const counts = shared.centres.map(() => 0);
    const low = (shared.centres[0] ?? 0) - shared.width / 2;
    for (const value of values(run)) {
      const bin = Math.min(counts.length - 1, Math.max(0, Math.floor((value - low) / (shared.width || 1))));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return { ...shared, counts };
  };
  const a = binsOf('a');
  const b = binsOf('b');
  return {
    traces: [histogramTrace(names[0], values('a'), a, colors[0], 'projection', 'projection'), histogramTrace(names[1], values('b'), b, colors[1], 'projection', 'projection')],
    xTitle: 'Projection on mean(B) − mean(A)',
    yTitle: 'Samples',
    layerAxis: false,
    yDtick: countTickStep(Math.max(...a.counts, ...b.counts, 1)),
    barmode: 'overlay',
  };
}

/** Paired runs: how the cosine between each sample's two activations is spread at the layer; null when unpaired. */
export function sampleCosineFigure(detail: LayerDetail, color: string): ChartFigure | null {
  if (detail.sampleCosines === null) return null;
  const bins = histogramBins(detail.sampleCosines, 30);
  return {
    traces: [{ ...histogramTrace('samples', detail.sampleCosines, bins, color, 'histogram', 'cosine'), showlegend: false, meta: { kind: 'histogram', label: `${detail.runA} vs ${detail.runB}` } }],
    xTitle: 'Cosine of a sample’s two activations',
    yTitle: 'Samples',
    layerAxis: false,
    yDtick: countTickStep(Math.max(...bins.counts, 1)),
  };
}
