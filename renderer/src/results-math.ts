import type { ComparisonView, ResultSet } from '../../src/api/contract.js';

/** The display name of a compared pair. */
export function pairLabel(comparison: Pick<ComparisonView, 'runA' | 'runB'>): string {
  return `${comparison.runA} vs ${comparison.runB}`;
}

export interface LayerCallout {
  pair: string;
  lowestCosine: { layer: number; value: number } | null;
  highestL2: { layer: number; value: number } | null;
}

/** Per pair, the layer where the runs diverge most by each measure (ties: the earlier layer). */
export function divergenceCallouts(comparisons: readonly ComparisonView[]): LayerCallout[] {
  return comparisons.map((comparison) => ({
    pair: pairLabel(comparison),
    lowestCosine: extremeLayer(comparison.layerIndices, comparison.layerCosineSimilarity, (a, b) => a < b),
    highestL2: extremeLayer(comparison.layerIndices, comparison.layerL2Distance, (a, b) => a > b),
  }));
}

function extremeLayer(
  layers: readonly number[],
  values: readonly number[],
  better: (candidate: number, best: number) => boolean,
): { layer: number; value: number } | null {
  let best: { layer: number; value: number } | null = null;
  values.forEach((value, i) => {
    const layer = layers[i];
    if (layer === undefined) return;
    if (best === null || better(value, best.value)) best = { layer, value };
  });
  return best;
}

/** One row of the layer table: the layer, then each pair's cosine and L2, then each run's mean norm. */
export interface LayerRow {
  layer: number;
  cosine: Record<string, number | null>;
  l2: Record<string, number | null>;
  norm: Record<string, number | null>;
}

export function layerRows(result: ResultSet): LayerRow[] {
  const layers = new Set<number>();
  for (const run of result.runs) run.layerIndices.forEach((layer) => layers.add(layer));
  for (const comparison of result.comparisons) comparison.layerIndices.forEach((layer) => layers.add(layer));
  return [...layers]
    .sort((a, b) => a - b)
    .map((layer) => {
      const row: LayerRow = { layer, cosine: {}, l2: {}, norm: {} };
      for (const comparison of result.comparisons) {
        const i = comparison.layerIndices.indexOf(layer);
        const key = pairLabel(comparison);
        row.cosine[key] = i < 0 ? null : (comparison.layerCosineSimilarity[i] ?? null);
        row.l2[key] = i < 0 ? null : (comparison.layerL2Distance[i] ?? null);
      }
      for (const run of result.runs) {
        const i = run.layerIndices.indexOf(layer);
        row.norm[run.label] = i < 0 ? null : (run.meanActivationNorms[i] ?? null);
      }
      return row;
    });
}

/** Cosine similarity as a layers × pairs grid (rows = pairs), for the heatmap shown with three runs or more. */
export function cosineHeatmap(result: ResultSet): { layers: number[]; pairs: string[]; z: (number | null)[][] } {
  const rows = layerRows(result);
  const pairs = result.comparisons.map(pairLabel);
  return {
    layers: rows.map((row) => row.layer),
    pairs,
    z: pairs.map((pair) => rows.map((row) => row.cosine[pair] ?? null)),
  };
}

/** Formats a metric for tables and callouts: four significant decimals for cosine, two for distances and norms. */
export function formatMetric(value: number | null, kind: 'cosine' | 'distance'): string {
  if (value === null) return '–';
  return kind === 'cosine' ? value.toFixed(4) : value.toFixed(2);
}
