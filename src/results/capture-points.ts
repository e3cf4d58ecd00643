/** How a [seq, hidden] activation is reduced to one [hidden] vector. */
export type Pooling = 'mean' | 'last_token';

/**
 * Which tensor of each decoder layer N (of L) is captured.
 * - resid_post: the residual stream after the layer, raw for every layer (TransformerLens blocks.N.hook_resid_post).
 *   It is Hugging Face's hidden_states[N+1] for N < L-1 only: for the last layer HF stores the final norm's output.
 * - hf_hidden_states: exactly Hugging Face's output_hidden_states[N+1]: resid_post for layers 0..L-2 and, for the
 *   last layer, the final norm's output that the LM head reads (TransformerLens ln_final.hook_normalized).
 * - cotlab: what CoTLab hooks while calling it the residual stream: the output of post_feedforward_layernorm
 *   (Gemma) or of post_attention_layernorm (Llama, Mistral, Qwen, OLMo), a normalised branch, not the stream.
 */
export type HookPoint = 'resid_post' | 'hf_hidden_states' | 'cotlab';

/**
 * The name of a captured point in TransformerLens vocabulary: `blocks.3.hook_resid_post`, `ln_final.hook_normalized`
 * (the last layer of hf_hidden_states), `blocks.3.hook_cotlab` (CoTLab's point has no TransformerLens name). When the
 * model's layer count is unknown, an hf_hidden_states point is named by its Hugging Face index, `hidden_states.4`.
 */
export function hookName(layer: number, hook: HookPoint, numLayers: number | null): string {
  if (hook === 'cotlab') return `blocks.${layer}.hook_cotlab`;
  if (hook === 'hf_hidden_states') {
    if (numLayers === null) return `hidden_states.${layer + 1}`;
    if (layer === numLayers - 1) return 'ln_final.hook_normalized';
  }
  return `blocks.${layer}.hook_resid_post`;
}
