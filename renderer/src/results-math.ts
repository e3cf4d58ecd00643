import type { ComparisonView, Interval, LayerComparison, LayerScore, ResultSet } from '../../src/contract/index.js';

/** The display name of a compared pair. */
export function pairLabel(comparison: Pick<ComparisonView, 'runA' | 'runB'>): string {
  return `${comparison.runA} vs ${comparison.runB}`;
}

export interface LayerCallout {
  pair: string;
  lowestCosine: LayerScore | null;
  highestL2: LayerScore | null;
  /** Layers whose Holm-adjusted p-value is below the pair's significance level; null when untested. */
  differingLayers: number[] | null;
  testedLayers: number;
  significanceLevel: number;
}

/** Per pair: where the runs diverge most by each measure, and which layers differ, as the engine found them. */
export function divergenceCallouts(comparisons: readonly ComparisonView[]): LayerCallout[] {
  return comparisons.map((comparison) => ({
    pair: pairLabel(comparison),
    lowestCosine: comparison.findings.lowestCosineLayers[0] ?? null,
    highestL2: comparison.findings.highestL2Layers[0] ?? null,
    differingLayers: comparison.findings.layersBeyondChance,
    testedLayers: comparison.findings.testedLayers,
    significanceLevel: comparison.findings.significanceLevel,
  }));
}

/** A pair's interval of one metric as a band over its layers; null unless every layer has one. */
export function metricBand(comparison: ComparisonView, metric: 'cosine' | 'l2'): { low: number[]; high: number[] } | null {
  const intervals = comparison.layers.map((layer) => (metric === 'cosine' ? layer.cosineCi : layer.l2Ci));
  if (intervals.length === 0 || intervals.some((interval) => interval === null)) return null;
  const present = intervals as Interval[];
  return { low: present.map((interval) => interval.low), high: present.map((interval) => interval.high) };
}

/** One row of the layer table: the layer, each pair's metrics at it, each run's mean norm. */
export interface LayerRow {
  layer: number;
  pairs: Record<string, LayerComparison | null>;
  norm: Record<string, number | null>;
}

export function layerRows(result: ResultSet): LayerRow[] {
  const layers = new Set<number>();
  for (const run of result.runs) run.layerIndices.forEach((layer) => layers.add(layer));
  for (const comparison of result.comparisons) comparison.layers.forEach((layer) => layers.add(layer.layer));
  return [...layers]
    .sort((a, b) => a - b)
    .map((layer) => {
      const row: LayerRow = { layer, pairs: {}, norm: {} };
      for (const comparison of result.comparisons) {
        row.pairs[pairLabel(comparison)] = comparison.layers.find((entry) => entry.layer === layer) ?? null;
      }
      for (const run of result.runs) {
        const i = run.layerIndices.indexOf(layer);
        row.norm[run.label] = i < 0 ? null : (run.meanActivationNorms[i] ?? null);
      }
      return row;
    });
}

/** Cosine similarity as a pairs × layers grid (rows = pairs), for the heatmap shown with three runs or more. */
export function cosineHeatmap(result: ResultSet): { layers: number[]; pairs: string[]; z: (number | null)[][] } {
  const rows = layerRows(result);
  const pairs = result.comparisons.map(pairLabel);
  return {
    layers: rows.map((row) => row.layer),
    pairs,
    z: pairs.map((pair) => rows.map((row) => row.pairs[pair]?.cosine ?? null)),
  };
}

/** The layer to show first: where the first pair's cosine is lowest, else the first layer of any run. */
export function initialLayer(result: ResultSet): number | null {
  const first = result.comparisons[0];
  if (first !== undefined) return divergenceCallouts([first])[0]?.lowestCosine?.layer ?? null;
  return result.runs[0]?.layerIndices[0] ?? null;
}

/** Formats a metric for tables and callouts: four decimals for cosine and CKA, two for distances and norms. */
export function formatMetric(value: number | null, kind: 'cosine' | 'distance'): string {
  if (value === null) return '–';
  return kind === 'cosine' ? value.toFixed(4) : value.toFixed(2);
}

export function formatInterval(interval: Interval | null, kind: 'cosine' | 'distance'): string {
  if (interval === null) return '';
  return `${formatMetric(interval.low, kind)} – ${formatMetric(interval.high, kind)}`;
}

/** p-values: three decimals, or "< 0.001" where three decimals would read as zero. */
export function formatP(value: number | null): string {
  if (value === null) return '–';
  return value < 0.001 ? '< 0.001' : value.toFixed(3);
}
