import type { DemoModelConfig, SpecialTokenIds } from './config.js';
import { MAX_POSITION_EMBEDDINGS } from './config.js';
import type { DemoAttention } from './gemma3-graph.js';

/** genai_config.json as the onnxruntime-genai model builder writes it for a text decoder (fields the demo has). */
export function genaiConfigJson(
  config: DemoModelConfig,
  vocabSize: number,
  special: SpecialTokenIds,
  decoderFile: string,
  attention: DemoAttention,
): object {
  return {
    model: {
      type: 'gemma3_text',
      bos_token_id: special.bos,
      eos_token_id: special.eos,
      pad_token_id: special.pad,
      context_length: MAX_POSITION_EMBEDDINGS,
      vocab_size: vocabSize,
      decoder: {
        filename: decoderFile,
        hidden_size: config.hiddenSize,
        head_size: config.headDim,
        num_attention_heads: config.numAttentionHeads,
        num_key_value_heads: config.numKeyValueHeads,
        num_hidden_layers: config.numHiddenLayers,
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          // Graphs with GroupQueryAttention take no position_ids, so the builder lists none.
          ...(attention === 'gqa' ? {} : { position_ids: 'position_ids' }),
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: {
          logits: 'logits',
          present_key_names: 'present.%d.key',
          present_value_names: 'present.%d.value',
        },
      },
    },
    search: { do_sample: false, max_length: MAX_POSITION_EMBEDDINGS, num_beams: 1 },
  };
}
