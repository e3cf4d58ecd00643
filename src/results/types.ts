import type { HookPoint, Pooling } from './capture-points.js';
import type { MergedProvenance } from './cluster.js';
import type { Seed } from './seed.js';

export type ComparisonMode = 'pairwise' | 'baseline';

/** One run (variant) summary, in CoTLab's results.json `raw_outputs[0].runs[*]` layout plus our extra fields. */
export interface RunSummary {
  name: string;
  dataset: string;
  prompt: string;
  num_samples: number;
  /** Exact at any size: results.json writes a BigInt seed as its digits. */
  seed: Seed;
  pooling: Pooling;
  layer_indices: number[];
  mean_activation_norms: number[];
  system_prompt: string | null;
  /** Added by us: the dataset indices used, in processing order. */
  sample_indices: number[];
}

/** One compared pair, in CoTLab's `raw_outputs[0].comparisons[*]` layout. */
export interface Comparison {
  run_a: string;
  run_b: string;
  layer_indices: number[];
  mean_cosine_similarity: number;
  mean_l2_distance: number;
  /** Present when store_per_layer is true. */
  layer_cosine_similarity?: number[];
  layer_l2_distance?: number[];
}

export interface ActivationCompareMetrics {
  num_runs: number;
  num_layers: number;
  comparison_mode: ComparisonMode;
  pooling: Pooling;
  pair_count: number;
}

/** Facts about how the activations were captured, recorded beside CoTLab's fields. */
export interface CaptureRecord {
  hook: HookPoint;
  /** TransformerLens-style names of the captured points, e.g. blocks.0.hook_resid_post. */
  hook_names: string[];
  /** What the hook point is, in words (for reports). */
  hook_description: string;
  execution_provider: string;
  execution_provider_note: string | null;
  /** How the model ran (absent in reports rebuilt from records that predate it). */
  runtime?: RuntimeRecord;
  model_dir: string;
  model_type: string;
  /** True for the bundled demo model, whose weights are random. */
  demo_model: boolean;
  max_input_tokens: number | null;
  truncated_samples: number;
  answer_cue: string | null;
  /** Computed on a cluster: the plan, and which shards ran on which hosts (absent for a run in one process). */
  cluster?: MergedProvenance;
}

/** Runtime facts of the model host, kept so a run can be judged and repeated on other hardware. */
export interface RuntimeRecord {
  export_style: string;
  dtype: string;
  quantization: string;
  batch_size: number;
  /** null: onnxruntime's own choice. */
  intra_op_threads: number | null;
  inter_op_threads: number | null;
}
