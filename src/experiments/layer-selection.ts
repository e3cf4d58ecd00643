import { ExperimentError } from './errors.js';

/**
 * The decoder layers an experiment captures: an explicit list as given, else every `stride`-th layer from 0
 * (stride 1 = all layers, CoTLab's `layers: null`).
 */
export function selectLayers(numLayers: number, layers: readonly number[] | null, stride: number): number[] {
  if (layers !== null) {
    const seen = new Set<number>();
    for (const layer of layers) {
      if (layer >= numLayers) {
        throw new ExperimentError(
          `experiment.layers: layer ${layer} does not exist; this model has layers 0 to ${numLayers - 1}`,
          'experiment.layers',
        );
      }
      if (seen.has(layer)) throw new ExperimentError(`experiment.layers: layer ${layer} is listed twice`, 'experiment.layers');
      seen.add(layer);
    }
    return [...layers];
  }
  const selected: number[] = [];
  for (let layer = 0; layer < numLayers; layer += stride) selected.push(layer);
  return selected;
}
