/** How a [seq, hidden] activation is reduced to one [hidden] vector. */
export type Pooling = 'mean' | 'last_token';

/**
 * Which tensor of each decoder layer is captured.
 * - resid_post: the true residual stream after the layer (Hugging Face hidden_states[i+1], raw for every layer).
 * - cotlab: what CoTLab hooks while calling it the residual stream (post_feedforward_layernorm output for Gemma,
 *   post_attention_layernorm output for Llama/Mistral/Qwen/OLMo).
 */
export type HookPoint = 'resid_post' | 'cotlab';

/** TransformerLens-style name of a captured point, e.g. `blocks.3.hook_resid_post`. */
export function hookName(layer: number, hook: HookPoint): string {
  return hook === 'resid_post' ? `blocks.${layer}.hook_resid_post` : `blocks.${layer}.hook_cotlab`;
}
