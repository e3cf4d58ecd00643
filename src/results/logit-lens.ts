/**
 * The findings of a logit lens experiment, computed once when it finishes: per variant and layer, how the gold
 * answer's first token fares when that layer's last-token residual is read through the final norm and the LM head.
 */

/** One layer of one variant. */
export interface LensLayerSummary {
  layer: number;
  /** Mean over the samples of the gold token's probability. */
  mean_gold_prob: number;
  /** Median of the gold token's rank (1 = most probable). */
  median_gold_rank: number;
  /** Share of samples whose most probable token is the gold token. */
  gold_top1_rate: number;
  /** The tokens most often most probable at this layer, with how many samples and their mean probability there. */
  top_tokens: { token_id: number; token: string; samples: number; mean_prob: number }[];
}

export interface LensRunSummary {
  run: string;
  samples: number;
  /** The gold tokens of the samples (first token of each gold answer), with counts. */
  gold_tokens: { token_id: number; token: string; samples: number }[];
  layers: LensLayerSummary[];
}

export interface LensFindings {
  top_k: number;
  /** How the gold token of a sample is chosen. */
  gold_rule: string;
  runs: LensRunSummary[];
}

/** The tokens per layer a summary lists. */
export const LENS_SUMMARY_TOKENS = 5;
