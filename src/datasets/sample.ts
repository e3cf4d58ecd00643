/** One item of a dataset, as CoTLab's `Sample`: a running index, the text fed to the prompt, its label, metadata. */
export interface Sample {
  idx: number;
  text: string;
  label: number | boolean | string | null;
  metadata: Record<string, unknown>;
}

/** A dataset as loaded from disk, ready for sampling. */
export interface LoadedDataset {
  name: string;
  /** Absolute path of the file the samples came from. */
  path: string;
  samples: Sample[];
}
