import type { Seed } from './seed.js';

/** One layer of a stored probe, as results.json `probing` writes it. */
export interface ProbeLayerRecord {
  layer: number;
  accuracy: number;
  accuracy_ci: [number, number];
  balanced_accuracy: number;
  balanced_accuracy_ci: [number, number];
  macro_f1: number;
  macro_f1_ci: [number, number];
  fold_accuracies: number[];
  /** Standard error of the mean fold accuracy. */
  accuracy_se: number;
  majority_accuracy: number;
  control_accuracy: number;
  /** accuracy − control_accuracy (Hewitt & Liang). */
  selectivity: number;
  /** C picked by the nested cross-validation, per outer fold. */
  chosen_c: number[];
  /** confusion[true][predicted], classes in the record's class order. */
  confusion: number[][];
  /** Held-out accuracy of the ridge probe whose relabellings give the p-value. */
  ridge_accuracy: number;
  p_value: number;
  p_value_holm: number;
  unconverged_fits: number;
}

/** How a probe was computed, kept with it. */
export interface ProbeSettingsRecord {
  folds: number;
  inner_folds: number;
  c_grid: number[];
  seed: Seed;
  bootstrap_resamples: number;
  confidence_level: number;
  significance_level: number;
  permutations: number;
  permutation_rule: string;
  ridge_lambda_per_sample: number;
}

/** A linear probe of one run's stored vectors: per layer, how well the label can be read from them. */
export interface ProbeRecord {
  run: string;
  /** The metadata field probed; null: the dataset's own label. */
  label_field: string | null;
  created_at: string;
  samples: number;
  classes: string[];
  class_counts: number[];
  best_layer: number;
  earliest_within_one_se: number;
  layers_beyond_chance: number[];
  settings: ProbeSettingsRecord;
  layers: ProbeLayerRecord[];
}
