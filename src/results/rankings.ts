/** How many layers every "most divergent layers" list names (results.json, EXPERIMENT.md, HTML, CLI, app). */
export const RANKED_LAYER_COUNT = 5;

/** One layer and one metric value. */
export interface LayerScore {
  layer: number;
  value: number;
}

/**
 * The RANKED_LAYER_COUNT layers with the smallest (order 1) or largest (order −1) value; absent and NaN values are
 * skipped, ties keep the layer order.
 */
export function rankedLayers(layers: readonly number[], values: ReadonlyArray<number | null | undefined>, order: 1 | -1): LayerScore[] {
  const scores: LayerScore[] = [];
  layers.forEach((layer, i) => {
    const value = values[i];
    if (value !== undefined && value !== null && !Number.isNaN(value)) scores.push({ layer, value });
  });
  // Array.prototype.sort is stable, so ties keep the layer order.
  scores.sort((x, y) => order * (x.value - y.value));
  return scores.slice(0, RANKED_LAYER_COUNT);
}
