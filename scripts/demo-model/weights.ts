/**
 * Deterministic weights of the demo decoder, named like the Hugging Face parameters. Linear weights are stored
 * transposed ([in, out]) the way torch.onnx feeds them to MatMul.
 */
import type { DemoModelConfig } from './config.js';
import { SeededRandom } from './random.js';

export interface NamedWeight {
  dims: number[];
  values: Float32Array;
}

/** Weights in Hugging Face parameter order (Map iteration order is insertion order). */
export type DemoWeights = Map<string, NamedWeight>;

export const weightNames = {
  embedTokens: 'model.embed_tokens.weight',
  invFreq: 'model.rotary_emb.inv_freq',
  finalNorm: 'model.norm.weight',
  layer: (i: number, local: string): string => `model.layers.${i}.${local}`,
};

/** Normal values with the given mean and standard deviation, rounded to float32. */
function normalTensor(seed: number, name: string, count: number, mean: number, std: number): Float32Array {
  const normals = SeededRandom.forTensor(seed, name).normals(count);
  // A loop, not Float32Array.from(normals, fn): that collects an iterable into a JS array first, which fails for
  // Gemma-sized embeddings (262144 x 640 values).
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = mean + std * (normals[i] as number);
  return values;
}

/** HF rotary inverse frequencies 1 / theta^(2k/d), computed in float32 like torch. */
function rotaryInverseFrequencies(headDim: number, theta: number): Float32Array {
  return Float32Array.from({ length: headDim / 2 }, (_, k) => 1 / Math.fround(theta ** Math.fround((2 * k) / headDim)));
}

/**
 * Scale (1 + w) of layer i's post-attention and post-feedforward norms: growing with depth, so each layer writes
 * a larger update into the residual stream and its norm rises over layers as in trained decoders.
 */
function postNormScale(layer: number, numLayers: number): number {
  return 0.5 + (1.5 * layer) / Math.max(1, numLayers - 1);
}

export function generateDemoWeights(config: DemoModelConfig, vocabSize: number): DemoWeights {
  const { seed, hiddenSize: h, headDim: d, intermediateSize: inter } = config;
  const qSize = config.numAttentionHeads * d;
  const kvSize = config.numKeyValueHeads * d;
  const weights: DemoWeights = new Map();
  const add = (name: string, dims: number[], mean: number, std: number): void => {
    weights.set(name, { dims, values: normalTensor(seed, name, dims.reduce((a, b) => a * b, 1), mean, std) });
  };
  // Embedding rows of RMS 1/sqrt(h): after Gemma's sqrt(h) scaling each token vector has RMS about 1.
  add(weightNames.embedTokens, [vocabSize, h], 0, 1 / Math.sqrt(h));
  weights.set(weightNames.invFreq, { dims: [d / 2], values: rotaryInverseFrequencies(d, config.ropeTheta) });
  const normStd = 0.1;
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const name = (local: string): string => weightNames.layer(i, local);
    const postScale = postNormScale(i, config.numHiddenLayers);
    add(name('self_attn.q_proj.weight'), [h, qSize], 0, 1 / Math.sqrt(h));
    add(name('self_attn.k_proj.weight'), [h, kvSize], 0, 1 / Math.sqrt(h));
    add(name('self_attn.v_proj.weight'), [h, kvSize], 0, 1 / Math.sqrt(h));
    add(name('self_attn.o_proj.weight'), [qSize, h], 0, 1 / Math.sqrt(qSize));
    add(name('self_attn.q_norm.weight'), [d], 0, normStd);
    add(name('self_attn.k_norm.weight'), [d], 0, normStd);
    add(name('mlp.gate_proj.weight'), [h, inter], 0, 1 / Math.sqrt(h));
    add(name('mlp.up_proj.weight'), [h, inter], 0, 1 / Math.sqrt(h));
    add(name('mlp.down_proj.weight'), [inter, h], 0, 1 / Math.sqrt(inter));
    add(name('input_layernorm.weight'), [h], 0, normStd);
    add(name('post_attention_layernorm.weight'), [h], postScale - 1, normStd);
    add(name('pre_feedforward_layernorm.weight'), [h], 0, normStd);
    add(name('post_feedforward_layernorm.weight'), [h], postScale - 1, normStd);
  }
  add(weightNames.finalNorm, [h], 0, normStd);
  return weights;
}
