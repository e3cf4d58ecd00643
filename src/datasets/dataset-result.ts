import { DatasetError } from './errors.js';
import type { LoadedDataset, Sample } from './sample.js';

/** Wrap a loader's samples as a LoadedDataset; a file that gave no sample at all is an error, not an empty run. */
export function datasetFromSamples(name: string, file: string, samples: Sample[], whyNone: string): LoadedDataset {
  if (samples.length === 0) throw new DatasetError('no_samples', `no usable samples: ${whyNone}`, { file });
  return { name, path: file, samples };
}
