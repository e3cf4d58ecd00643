/**
 * The demo decoder as an ONNX graph laid out like a torch.onnx / optimum export of Hugging Face's
 * Gemma3ForCausalLM with KV cache: same module scopes, parameter names, I/O names and computation order.
 */
import { create } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import type { ModelProto, TensorProto } from '../../src/model/onnx-graph.js';
import { OnnxDataType, intAttr, makeValueInfo } from '../../src/model/onnx-graph.js';
import { float32Tensor, floatAttr, intsAttr } from './onnx-tensors.js';
import type { DemoModelConfig } from './config.js';
import { DemoModelOptionError, MAX_POSITION_EMBEDDINGS } from './config.js';
import { INT4_BLOCK_SIZE, int4Initializers, int4TensorNames, quantizeInt4 } from './int4.js';
import { NodeSink } from './torch-scope.js';
import type { TorchScope } from './torch-scope.js';
import type { DemoWeights } from './weights.js';
import { weightNames } from './weights.js';

export type DemoOpset = 17 | 18;

/**
 * How the graph is laid out: `optimum` as torch.onnx / optimum export Gemma 3 (RMSNorm as plain ops, residual
 * Adds); `genai` as the onnxruntime-genai builder does (SimplifiedLayerNormalization and the com.microsoft
 * SkipSimplifiedLayerNormalization, whose output 3 is the residual sum, with the +1 of Gemma's norm baked into
 * the weights).
 */
export type DemoLayout = 'optimum' | 'genai';

/**
 * How attention is computed: `ops` as torch.onnx writes eager attention (rotary, repeat_kv, MatMul, Softmax with
 * an additive mask); `gqa` as the genai builder does, one com.microsoft GroupQueryAttention per layer that
 * applies rotary itself from cos/sin caches and reads sequence lengths derived from attention_mask.
 */
export type DemoAttention = 'ops' | 'gqa';

/** Initializers GroupQueryAttention's do_rotary reads: [max_position_embeddings, head_dim / 2]. */
const ROTARY_CACHE_NAMES = { cos: 'cos_cache', sin: 'sin_cache' };

const MS_DOMAIN = 'com.microsoft';

/** Symbolic dimension names used by optimum's decoder exports. */
const BATCH = 'batch_size';
const SEQUENCE = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'total_sequence_length';

/** torch.onnx's open-ended Slice bound. */
const INT64_MAX = 9223372036854775807n;

/** float32 lowest value: HF's additive mask value for blocked positions. */
const MASK_MIN = -3.4028234663852886e38;

export const ioNames = {
  inputIds: 'input_ids',
  inputsEmbeds: 'inputs_embeds',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  pastKey: (i: number): string => `past_key_values.${i}.key`,
  pastValue: (i: number): string => `past_key_values.${i}.value`,
  presentKey: (i: number): string => `present.${i}.key`,
  presentValue: (i: number): string => `present.${i}.value`,
  logits: 'logits',
};

/** Tensors every plain-ops attention reads: rotary cos/sin [B, S, head_dim] and the additive mask [B, 1, S, T]. */
interface OpsAttentionInputs {
  kind: 'ops';
  cos: string;
  sin: string;
  mask: string;
}

/** Tensors every GroupQueryAttention reads: seqlens_k (int32 [B], real tokens - 1) and total_sequence_length. */
interface GqaInputs {
  kind: 'gqa';
  seqlensK: string;
  totalLength: string;
}

interface GraphContext {
  config: DemoModelConfig;
  opset: DemoOpset;
  /** Linear layers as com.microsoft MatMulNBits over int4 weights. */
  int4: boolean;
  attention: OpsAttentionInputs | GqaInputs;
  /** [in, out] of every linear weight, for MatMulNBits' K and N. */
  linearShapes: Map<string, readonly number[]>;
}

/** ReduceMean over the last axis, keepdims: axes are an attribute up to opset 17 and an input from 18. */
function reduceMeanLastAxis(s: TorchScope, x: string, opset: DemoOpset): string {
  if (opset >= 18) return s.op('ReduceMean', [x, s.ints([-1])], [intAttr('keepdims', 1)]);
  return s.op('ReduceMean', [x], [intsAttr('axes', [-1]), intAttr('keepdims', 1)]);
}

/** Gemma RMSNorm in float32: x / sqrt(mean(x^2) + eps) * (1 + w); the last Mul is the norm's output. */
function gemmaRmsNorm(s: TorchScope, x: string, weight: string, ctx: GraphContext): string {
  const squared = s.op('Pow', [x, s.float(2)]);
  const meanSquare = reduceMeanLastAxis(s, squared, ctx.opset);
  const variance = s.op('Add', [meanSquare, s.float(ctx.config.rmsNormEps)]);
  const rms = s.op('Sqrt', [variance]);
  const inverseRms = s.op('Div', [s.float(1), rms]);
  const normed = s.op('Mul', [x, inverseRms]);
  const scale = s.op('Add', [s.float(1), weight]);
  return s.op('Mul', [normed, scale]);
}

/** Names of the projection weights that become MatMulNBits in an int4 build. */
function isLinearWeight(name: string): boolean {
  return name.endsWith('_proj.weight');
}

function linear(s: TorchScope, module: string, x: string, weight: string, ctx: GraphContext): string {
  if (!ctx.int4) return s.child(module).op('MatMul', [x, weight]);
  const names = int4TensorNames(weight);
  const shape = ctx.linearShapes.get(weight);
  if (shape === undefined) throw new Error(`No shape for linear weight ${weight}.`);
  return s.child(module).opIn(MS_DOMAIN, 'MatMulNBits', [x, names.packed, names.scales], [
    intAttr('K', shape[0] as number),
    intAttr('N', shape[1] as number),
    intAttr('bits', 4),
    intAttr('block_size', INT4_BLOCK_SIZE),
  ]);
}

/** [B, S, heads*D] -> [B, heads, S, D] */
function splitHeads(s: TorchScope, x: string, headDim: number): string {
  const shaped = s.op('Reshape', [x, s.ints([0, 0, -1, headDim])]);
  return s.op('Transpose', [shaped], [intsAttr('perm', [0, 2, 1, 3])]);
}

/** x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x2, x1) with x1, x2 the two halves of head_dim. */
function applyRotary(s: TorchScope, x: string, cos: string, sin: string, headDim: number): string {
  const half = headDim / 2;
  const xCos = s.op('Mul', [x, cos]);
  const x1 = s.op('Slice', [x, s.ints([0]), s.ints([half]), s.ints([-1])]);
  const x2 = s.op('Slice', [x, s.ints([half]), s.ints([INT64_MAX]), s.ints([-1])]);
  const rotated = s.op('Concat', [s.op('Neg', [x2]), x1], [intAttr('axis', -1)]);
  return s.op('Add', [xCos, s.op('Mul', [rotated, sin])]);
}

/** HF repeat_kv: [B, kv, T, D] -> [B, kv*n_rep, T, D] by Unsqueeze, Expand, Reshape. */
function repeatKv(s: TorchScope, x: string, config: DemoModelConfig): string {
  const nRep = config.numAttentionHeads / config.numKeyValueHeads;
  if (nRep === 1) return x;
  const unsqueezed = s.op('Unsqueeze', [x, s.ints([2])]);
  const expanded = s.op('Expand', [unsqueezed, s.ints([1, 1, nRep, 1, 1])]);
  return s.op('Reshape', [expanded, s.ints([0, config.numAttentionHeads, -1, config.headDim])]);
}

function selfAttention(s: TorchScope, x: string, layer: number, ctx: GraphContext, inputs: OpsAttentionInputs): string {
  const { config } = ctx;
  const w = (local: string): string => weightNames.layer(layer, `self_attn.${local}`);
  const q = splitHeads(s, linear(s, 'q_proj', x, w('q_proj.weight'), ctx), config.headDim);
  const k = splitHeads(s, linear(s, 'k_proj', x, w('k_proj.weight'), ctx), config.headDim);
  const v = splitHeads(s, linear(s, 'v_proj', x, w('v_proj.weight'), ctx), config.headDim);
  const qNormed = gemmaRmsNorm(s.child('q_norm'), q, w('q_norm.weight'), ctx);
  const kNormed = gemmaRmsNorm(s.child('k_norm'), k, w('k_norm.weight'), ctx);
  const cos = s.op('Unsqueeze', [inputs.cos, s.ints([1])]);
  const sin = s.op('Unsqueeze', [inputs.sin, s.ints([1])]);
  const qRot = applyRotary(s, qNormed, cos, sin, config.headDim);
  const kRot = applyRotary(s, kNormed, cos, sin, config.headDim);
  const presentKey = s.op('Concat', [ioNames.pastKey(layer), kRot], [intAttr('axis', 2)], ioNames.presentKey(layer));
  const presentValue = s.op('Concat', [ioNames.pastValue(layer), v], [intAttr('axis', 2)], ioNames.presentValue(layer));
  const keys = repeatKv(s, presentKey, config);
  const values = repeatKv(s, presentValue, config);
  // Eager attention: softmax(q k^T * query_pre_attn_scalar^-0.5 + mask) v, with query_pre_attn_scalar = head_dim.
  const keysT = s.op('Transpose', [keys], [intsAttr('perm', [0, 1, 3, 2])]);
  const scores = s.op('Mul', [s.op('MatMul', [qRot, keysT]), s.float(1 / Math.sqrt(config.headDim))]);
  const probs = s.op('Softmax', [s.op('Add', [scores, inputs.mask])], [intAttr('axis', -1)]);
  const context = s.op('MatMul', [probs, values]);
  const merged = s.op('Transpose', [context], [intsAttr('perm', [0, 2, 1, 3])]);
  const flat = s.op('Reshape', [merged, s.ints([0, 0, -1])]);
  return linear(s, 'o_proj', flat, w('o_proj.weight'), ctx);
}

/**
 * Gemma 3's per-head q_norm / k_norm as the genai builder writes them (make_qk_norm): [B, S, heads*D] reshaped to
 * [B, S*heads, D], SimplifiedLayerNormalization over D, and back to [B, S, heads*D].
 */
function headNorm(s: TorchScope, x: string, weight: string, heads: number, ctx: GraphContext): string {
  const { headDim } = ctx.config;
  const perHead = s.op('Reshape', [x, s.ints([0, -1, headDim])]);
  const normed = simplifiedNorm(s, perHead, weight, ctx);
  return s.op('Reshape', [normed, s.ints([0, -1, heads * headDim])]);
}

/** Attention as one com.microsoft GroupQueryAttention: rotary from the cos/sin caches, causal, KV heads shared. */
function groupQueryAttention(s: TorchScope, x: string, layer: number, ctx: GraphContext, inputs: GqaInputs): string {
  const { config } = ctx;
  const w = (local: string): string => weightNames.layer(layer, `self_attn.${local}`);
  const qProj = linear(s, 'q_proj', x, w('q_proj.weight'), ctx);
  const kProj = linear(s, 'k_proj', x, w('k_proj.weight'), ctx);
  const q = headNorm(s.child('q_norm'), qProj, w('q_norm.weight'), config.numAttentionHeads, ctx);
  const k = headNorm(s.child('k_norm'), kProj, w('k_norm.weight'), config.numKeyValueHeads, ctx);
  const v = linear(s, 'v_proj', x, w('v_proj.weight'), ctx);
  const [context] = s.named({
    localName: 'GroupQueryAttention',
    opType: 'GroupQueryAttention',
    domain: MS_DOMAIN,
    inputs: [
      q,
      k,
      v,
      ioNames.pastKey(layer),
      ioNames.pastValue(layer),
      inputs.seqlensK,
      inputs.totalLength,
      ROTARY_CACHE_NAMES.cos,
      ROTARY_CACHE_NAMES.sin,
    ],
    outputSlots: [0, 1, 2],
    outputNames: { 1: ioNames.presentKey(layer), 2: ioNames.presentValue(layer) },
    attributes: [
      intAttr('num_heads', config.numAttentionHeads),
      intAttr('kv_num_heads', config.numKeyValueHeads),
      // Gemma 3 scales scores by query_pre_attn_scalar^-0.5, which the demo sets to head_dim.
      floatAttr('scale', 1 / Math.sqrt(config.headDim)),
      floatAttr('softcap', 0),
      intAttr('local_window_size', -1),
      intAttr('do_rotary', 1),
      intAttr('rotary_interleaved', 0),
    ],
  });
  return linear(s, 'o_proj', context as string, w('o_proj.weight'), ctx);
}

function attentionBlock(s: TorchScope, x: string, layer: number, ctx: GraphContext): string {
  return ctx.attention.kind === 'gqa'
    ? groupQueryAttention(s.child('attn'), x, layer, ctx, ctx.attention)
    : selfAttention(s.child('self_attn'), x, layer, ctx, ctx.attention);
}

/** gelu_pytorch_tanh as torch.onnx decomposes it below opset 20. */
function geluTanh(s: TorchScope, x: string): string {
  const cubed = s.op('Pow', [x, s.float(3)]);
  const inner = s.op('Add', [x, s.op('Mul', [s.float(0.044715), cubed])]);
  const tanh = s.op('Tanh', [s.op('Mul', [s.float(Math.sqrt(2 / Math.PI)), inner])]);
  return s.op('Mul', [s.float(0.5), s.op('Mul', [x, s.op('Add', [s.float(1), tanh])])]);
}

function mlp(s: TorchScope, x: string, layer: number, ctx: GraphContext): string {
  const w = (local: string): string => weightNames.layer(layer, `mlp.${local}`);
  const gate = geluTanh(s.child('act_fn'), linear(s, 'gate_proj', x, w('gate_proj.weight'), ctx));
  const up = linear(s, 'up_proj', x, w('up_proj.weight'), ctx);
  return linear(s, 'down_proj', s.op('Mul', [gate, up]), w('down_proj.weight'), ctx);
}

/** One Gemma 3 decoder layer; returns the layer output `/model/layers.{i}/Add_1_output_0`. */
function decoderLayer(s: TorchScope, x: string, layer: number, ctx: GraphContext): string {
  const norm = (local: string, input: string): string =>
    gemmaRmsNorm(s.child(local), input, weightNames.layer(layer, `${local}.weight`), ctx);
  const attn = attentionBlock(s, norm('input_layernorm', x), layer, ctx);
  const afterAttention = s.op('Add', [x, norm('post_attention_layernorm', attn)]);
  const ff = mlp(s.child('mlp'), norm('pre_feedforward_layernorm', afterAttention), layer, ctx);
  return s.op('Add', [afterAttention, norm('post_feedforward_layernorm', ff)]);
}

/**
 * Where a genai-layout layer stream stands between layers: the last branch output not yet added (`pending`,
 * null before layer 0) and the residual it is added to. The next fused skip norm performs that Add.
 */
interface GenaiStream {
  pending: string | null;
  residual: string;
}

/** SimplifiedLayerNormalization (ONNX domain contrib op): x / rms(x) * weight. Returns output 0. */
function simplifiedNorm(s: TorchScope, x: string, weight: string, ctx: GraphContext): string {
  const [normed] = s.named({
    localName: 'LayerNorm',
    opType: 'SimplifiedLayerNormalization',
    inputs: [x, weight],
    outputSlots: [0],
    attributes: [floatAttr('epsilon', ctx.config.rmsNormEps), intAttr('axis', -1), intAttr('stash_type', 1)],
  });
  return normed as string;
}

/** SkipSimplifiedLayerNormalization: normalizes input + skip; output 3 (if asked for) is that sum. */
function skipNorm(s: TorchScope, input: string, skip: string, weight: string, ctx: GraphContext, withSum: boolean) {
  const outputs = s.named({
    localName: 'SkipLayerNorm',
    opType: 'SkipSimplifiedLayerNormalization',
    inputs: [input, skip, weight],
    outputSlots: withSum ? [0, 3] : [0],
    attributes: [floatAttr('epsilon', ctx.config.rmsNormEps)],
    domain: MS_DOMAIN,
  });
  return { normed: outputs[0] as string, sum: outputs[3] ?? '' };
}

/** One Gemma 3 layer as the genai builder lays it out (Gemma2Model.make_layer). */
function genaiDecoderLayer(s: TorchScope, stream: GenaiStream, layer: number, ctx: GraphContext): GenaiStream {
  const weight = (local: string): string => weightNames.layer(layer, `${local}.weight`);
  const input = s.child('input_layernorm');
  const start =
    stream.pending === null
      ? { normed: simplifiedNorm(input, stream.residual, weight('input_layernorm'), ctx), sum: stream.residual }
      : skipNorm(input, stream.pending, stream.residual, weight('input_layernorm'), ctx, true);
  const attn = attentionBlock(s, start.normed, layer, ctx);
  const attnNormed = simplifiedNorm(s.child('post_attention_layernorm'), attn, weight('post_attention_layernorm'), ctx);
  const mid = skipNorm(s.child('pre_feedforward_layernorm'), attnNormed, start.sum, weight('pre_feedforward_layernorm'), ctx, true);
  const ff = mlp(s.child('mlp'), mid.normed, layer, ctx);
  const ffNormed = simplifiedNorm(s.child('post_feedforward_layernorm'), ff, weight('post_feedforward_layernorm'), ctx);
  return { pending: ffNormed, residual: mid.sum };
}

/** True for the norm weights a genai export stores as 1 + w (Gemma's offset baked in); q/k norms only with GQA. */
function isGenaiOffsetNorm(name: string, attention: DemoAttention): boolean {
  const headNormWeight = name.endsWith('q_norm.weight') || name.endsWith('k_norm.weight');
  return name === weightNames.finalNorm || name.endsWith('layernorm.weight') || (attention === 'gqa' && headNormWeight);
}

/** cos/sin of position * inv_freq for every position, the product in float32 as Gemma3RotaryEmbedding forms it. */
function rotaryCaches(invFreq: Float32Array): TensorProto[] {
  const half = invFreq.length;
  const cos = new Float32Array(MAX_POSITION_EMBEDDINGS * half);
  const sin = new Float32Array(MAX_POSITION_EMBEDDINGS * half);
  for (let position = 0; position < MAX_POSITION_EMBEDDINGS; position++) {
    invFreq.forEach((frequency, k) => {
      const angle = Math.fround(position * frequency);
      cos[position * half + k] = Math.cos(angle);
      sin[position * half + k] = Math.sin(angle);
    });
  }
  return [
    float32Tensor(ROTARY_CACHE_NAMES.cos, [MAX_POSITION_EMBEDDINGS, half], cos),
    float32Tensor(ROTARY_CACHE_NAMES.sin, [MAX_POSITION_EMBEDDINGS, half], sin),
  ];
}

/**
 * The genai builder's attention-mask reformatting for GroupQueryAttention: seqlens_k = sum(attention_mask) - 1
 * per row as int32, and total_sequence_length = attention_mask's second dimension as an int32 scalar.
 */
function gqaInputs(s: TorchScope): GqaInputs {
  const toInt32 = [intAttr('to', OnnxDataType.INT32)];
  const tokens = s.op('ReduceSum', [ioNames.attentionMask, s.ints([1])], [intAttr('keepdims', 0)]);
  const seqlensK = s.op('Cast', [s.op('Sub', [tokens, s.int(1)])], toInt32);
  const total = s.op('Gather', [s.op('Shape', [ioNames.attentionMask]), s.int(1)], [intAttr('axis', 0)]);
  return { kind: 'gqa', seqlensK, totalLength: s.op('Cast', [total], toInt32) };
}

/** cos/sin [B, S, head_dim] from position_ids and inv_freq, as Gemma3RotaryEmbedding computes them. */
function rotaryEmbedding(s: TorchScope): { cos: string; sin: string } {
  const invFreq = s.op('Unsqueeze', [weightNames.invFreq, s.ints([0, 2])]);
  const positionsFloat = s.op('Cast', [ioNames.positionIds], [intAttr('to', OnnxDataType.FLOAT)]);
  const positions = s.op('Unsqueeze', [positionsFloat, s.ints([1])]);
  const freqs = s.op('Transpose', [s.op('MatMul', [invFreq, positions])], [intsAttr('perm', [0, 2, 1])]);
  const emb = s.op('Concat', [freqs, freqs], [intAttr('axis', -1)]);
  return { cos: s.op('Cos', [emb]), sin: s.op('Sin', [emb]) };
}

/**
 * Additive attention mask [B, 1, S, T]: 0 where query j (at cache position past + j) may see key t, i.e.
 * t <= past + j and attention_mask[b, t] = 1; float32 lowest otherwise. Right padding therefore leaves
 * the real tokens' results unchanged.
 */
function attentionMask(s: TorchScope, sequenceSource: string): string {
  const sequenceLength = s.op('Gather', [s.op('Shape', [sequenceSource]), s.int(1)], [intAttr('axis', 0)]);
  const pastLength = s.op('Gather', [s.op('Shape', [ioNames.pastKey(0)]), s.int(2)], [intAttr('axis', 0)]);
  const totalLength = s.op('Add', [pastLength, sequenceLength]);
  const keyPositions = s.op('Range', [s.int(0), totalLength, s.int(1)]);
  const cachePositions = s.op('Range', [pastLength, totalLength, s.int(1)]);
  const causal = s.op('LessOrEqual', [keyPositions, s.op('Unsqueeze', [cachePositions, s.ints([1])])]);
  const padding = s.op('Unsqueeze', [
    s.op('Cast', [ioNames.attentionMask], [intAttr('to', OnnxDataType.BOOL)]),
    s.ints([1, 2]),
  ]);
  return s.op('Where', [s.op('And', [causal, padding]), s.float(0), s.float(MASK_MIN)]);
}

export interface DecoderModelOptions {
  opset: DemoOpset;
  /** Written into the model's doc_string. */
  description: string;
  /** Default optimum. */
  layout?: DemoLayout;
  /** Projection weights as int4 MatMulNBits (default false). */
  int4?: boolean;
  /** Take `inputs_embeds` (already scaled) instead of `input_ids`, as split embed + decoder exports do. */
  inputsEmbeds?: boolean;
  /** Default `gqa` for the genai layout, `ops` for optimum (which only supports `ops`). */
  attention?: DemoAttention;
}

/** The attention a layout gets when none is asked for; rejects GroupQueryAttention outside the genai layout. */
export function resolveAttention(layout: DemoLayout, attention: DemoAttention | undefined): DemoAttention {
  if (attention === 'gqa' && layout !== 'genai') {
    throw new DemoModelOptionError(
      'Demo model: GroupQueryAttention is only built in the genai layout; optimum exports use plain attention ops.',
      'attention',
    );
  }
  return attention ?? (layout === 'genai' ? 'gqa' : 'ops');
}

/** The embedding weights (and Gemma's sqrt(hidden) scale when `scaled`) as their own model, embed_tokens.onnx. */
export function buildEmbeddingModel(
  config: DemoModelConfig,
  weights: DemoWeights,
  options: { opset: DemoOpset; scaled: boolean; description: string },
): ModelProto {
  const sink = new NodeSink();
  const scope = sink.root().child('model').child('embed_tokens');
  const gathered = scope.op('Gather', [weightNames.embedTokens, ioNames.inputIds], [], options.scaled ? undefined : ioNames.inputsEmbeds);
  if (options.scaled) scope.op('Mul', [gathered, scope.float(Math.sqrt(config.hiddenSize))], [], ioNames.inputsEmbeds);
  const embedding = weights.get(weightNames.embedTokens);
  if (embedding === undefined) throw new Error('The demo weights have no embedding matrix.');
  return create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'cotlab-workbench-demo',
    producerVersion: '1',
    docString: options.description,
    opsetImport: [{ domain: '', version: BigInt(options.opset) }],
    graph: {
      name: 'embed_tokens',
      node: sink.nodes,
      initializer: [float32Tensor(weightNames.embedTokens, embedding.dims, embedding.values)],
      input: [makeValueInfo(ioNames.inputIds, OnnxDataType.INT64, [BATCH, SEQUENCE])],
      output: [makeValueInfo(ioNames.inputsEmbeds, OnnxDataType.FLOAT, [BATCH, SEQUENCE, config.hiddenSize])],
    },
  });
}

function initializersFor(weights: DemoWeights, layout: DemoLayout, attention: DemoAttention, int4: boolean): TensorProto[] {
  return [...weights].flatMap(([name, w]) => {
    if (int4 && isLinearWeight(name)) {
      return int4Initializers(name, quantizeInt4(w.values, w.dims[0] as number, w.dims[1] as number));
    }
    // GroupQueryAttention reads precomputed caches instead of the inverse frequencies.
    if (attention === 'gqa' && name === weightNames.invFreq) return rotaryCaches(w.values);
    const values = layout === 'genai' && isGenaiOffsetNorm(name, attention) ? w.values.map((v) => 1 + v) : w.values;
    return [float32Tensor(name, w.dims, values)];
  });
}

/** The complete ModelProto with every weight inline (raw_data). */
export function buildGemma3Model(
  config: DemoModelConfig,
  weights: DemoWeights,
  vocabSize: number,
  options: DecoderModelOptions,
): ModelProto {
  const layout = options.layout ?? 'optimum';
  const attention = resolveAttention(layout, options.attention);
  const int4 = options.int4 ?? false;
  const inputsEmbeds = options.inputsEmbeds ?? false;
  const sink = new NodeSink();
  const root = sink.root();
  const model = root.child('model');
  let hidden: string = ioNames.inputsEmbeds;
  if (!inputsEmbeds) {
    const embedScope = model.child('embed_tokens');
    const embeddings = embedScope.op('Gather', [weightNames.embedTokens, ioNames.inputIds]);
    hidden = embedScope.op('Mul', [embeddings, embedScope.float(Math.sqrt(config.hiddenSize))]);
  }
  const linearShapes = new Map([...weights].filter(([name]) => isLinearWeight(name)).map(([name, w]) => [name, w.dims]));
  const ctx: GraphContext = {
    config,
    opset: options.opset,
    int4,
    attention:
      attention === 'gqa'
        ? gqaInputs(model.child('attn_mask_reformat').child('attn_mask_subgraph'))
        : {
            kind: 'ops',
            ...rotaryEmbedding(model.child('rotary_emb')),
            mask: attentionMask(model, inputsEmbeds ? ioNames.inputsEmbeds : ioNames.inputIds),
          },
    linearShapes,
  };
  let normed: string;
  if (layout === 'genai') {
    let stream: GenaiStream = { pending: null, residual: hidden };
    for (let i = 0; i < config.numHiddenLayers; i++) stream = genaiDecoderLayer(model.child(`layers.${i}`), stream, i, ctx);
    // The builder's final norm (last_layernorm=True) emits only output 0.
    const finalScope = model.child(`layers.${config.numHiddenLayers}`).child('final_norm_layernorm');
    normed = skipNorm(finalScope, stream.pending ?? hidden, stream.residual, weightNames.finalNorm, ctx, false).normed;
  } else {
    for (let i = 0; i < config.numHiddenLayers; i++) hidden = decoderLayer(model.child(`layers.${i}`), hidden, i, ctx);
    normed = gemmaRmsNorm(model.child('norm'), hidden, weightNames.finalNorm, ctx);
  }
  // Tied LM head: the one embedding matrix, transposed in-graph.
  const lmHead = root.child('lm_head');
  const embeddingT = lmHead.op('Transpose', [weightNames.embedTokens], [intsAttr('perm', [1, 0])]);
  lmHead.op('MatMul', [normed, embeddingT], [], ioNames.logits);

  const kv = (name: string, seq: string) =>
    makeValueInfo(name, OnnxDataType.FLOAT, [BATCH, config.numKeyValueHeads, seq, config.headDim]);
  const layers = Array.from({ length: config.numHiddenLayers }, (_, i) => i);
  return create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'cotlab-workbench-demo',
    producerVersion: '1',
    docString: options.description,
    opsetImport: [
      { domain: '', version: BigInt(options.opset) },
      ...(layout === 'genai' || int4 ? [{ domain: MS_DOMAIN, version: 1n }] : []),
    ],
    graph: {
      name: 'main_graph',
      node: sink.nodes,
      initializer: initializersFor(weights, layout, attention, int4),
      input: [
        inputsEmbeds
          ? makeValueInfo(ioNames.inputsEmbeds, OnnxDataType.FLOAT, [BATCH, SEQUENCE, config.hiddenSize])
          : makeValueInfo(ioNames.inputIds, OnnxDataType.INT64, [BATCH, SEQUENCE]),
        makeValueInfo(ioNames.attentionMask, OnnxDataType.INT64, [BATCH, TOTAL]),
        // GroupQueryAttention derives positions from seqlens_k, so builder graphs for it take no position_ids.
        ...(attention === 'gqa' ? [] : [makeValueInfo(ioNames.positionIds, OnnxDataType.INT64, [BATCH, SEQUENCE])]),
        ...layers.flatMap((i) => [kv(ioNames.pastKey(i), PAST), kv(ioNames.pastValue(i), PAST)]),
      ],
      output: [
        makeValueInfo(ioNames.logits, OnnxDataType.FLOAT, [BATCH, SEQUENCE, vocabSize]),
        ...layers.flatMap((i) => [kv(ioNames.presentKey(i), TOTAL), kv(ioNames.presentValue(i), TOTAL)]),
      ],
    },
  });
}
