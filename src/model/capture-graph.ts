import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModelError } from './errors.js';
import type { ExposedOutput } from './export-styles/export-style.js';
import {
  encodeModel,
  int64Tensor,
  intAttr,
  makeNode,
  makeValueInfo,
  OnnxDataType,
  opsetVersion,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './onnx-graph.js';
import { GraphIndex } from './graph-index.js';
import { cloneHead, type HeadSpec } from './head-graph.js';
import { hookName, type HookPoint, type Pooling } from '../results/capture-points.js';

/** Which tensors to tap and how to pool them, and what else the edited graph computes. */
export interface CaptureGraphRequest {
  hook: HookPoint;
  /** Decoder layer indices, in output order (empty: no pooled outputs, e.g. a host that only generates). */
  layers: number[];
  /** The hook tensor of each requested layer, same order as `layers`. */
  tensors: string[];
  poolings: Pooling[];
  /** Width of the hook tensors, for the declared output shapes. */
  hiddenSize: number;
  /** Also output the unpooled float32 [batch, seq, hidden] tensors (used to check the pooling). */
  unpooled: boolean;
  /** Node outputs to add first, because some hook tensors are computed but not emitted (genai's final norm). */
  exposedOutputs?: ExposedOutput[];
  /** Which form of a merged decoder was normalised (its prefill branch, or the branch that reads a KV cache). */
  decoderForm?: 'prefill' | 'with_past';
  /** Generation: next-token logits [batch, vocab] of each row's last real token, and the KV cache outputs kept. */
  generation?: { head: HeadSpec } | null;
  /** The logit lens: the final norm and LM head applied to each listed layer's last-token residual. */
  lens?: LensRequest | null;
}

/** The logit lens part of a capture graph. */
export interface LensRequest {
  head: HeadSpec;
  /** Decoder layers the lens reads, and their residual stream tensors (resid_post), same order. */
  layers: number[];
  tensors: string[];
  /** How many of the most probable tokens are reported per layer. */
  topK: number;
}

/** Bumped whenever the emitted graph or the cache layout changes, so stale cached graphs are not reused. */
const CAPTURE_GRAPH_FORMAT = 4;
const PREFIX = 'cotlab_capture';

/** float32 [batch, vocab]: the scores of the next token after each row's last real token (generation graphs). */
export const NEXT_LOGITS_OUTPUT = 'cotlab.next_logits';
/** The logit lens outputs, each [batch, lens layers, ...]; the gold token is the input below. */
export const LENS_OUTPUTS = {
  /** int64 [batch, layers, k]: the k most probable tokens, most probable first. */
  topIds: 'cotlab.lens.top_ids',
  /** float32 [batch, layers, k]: their probabilities. */
  topProbs: 'cotlab.lens.top_probs',
  /** float32 [batch, layers]: the gold token's probability. */
  goldProb: 'cotlab.lens.gold_prob',
  /** float32 [batch, layers]: how many tokens score strictly higher than the gold token (its rank - 1). */
  goldAbove: 'cotlab.lens.gold_above',
} as const;
/** int64 [batch]: each row's gold token id for the logit lens. */
export const LENS_GOLD_INPUT = 'cotlab.lens.gold';
const KV_OUTPUT = /^present[._]/;

/**
 * Graph output name: `blocks.3.hook_resid_post.mean`, `.last_token`, or without suffix for the unpooled tensor
 * (hf_hidden_states points by their Hugging Face index, which needs no layer count: `hidden_states.4.mean`).
 */
export function captureOutputName(layer: number, hook: HookPoint, pooling: Pooling | null): string {
  const name = hookName(layer, hook, null);
  return pooling === null ? name : `${name}.${pooling}`;
}

/**
 * A copy of `model` whose outputs are the pooled hook tensors, each float32 [batch, hidden], plus what the request
 * adds (next-token logits and the KV cache, the logit lens). Pooling reads the attention mask's columns of the
 * current pass (its last `seq` columns, so passes after a KV cache work too): `mean` = sum(h * mask) / sum(mask),
 * `last_token` = h at the last position whose mask is 1, so padded batches (right or left) pool over real tokens
 * only. Nodes no output needs (the full-sequence LM head, unrequested presents) are pruned. Weights are shared with
 * `model`, never copied or changed.
 */
export function buildCaptureGraph(model: ModelProto, request: CaptureGraphRequest): ModelProto {
  const graph = model.graph;
  if (!graph) throw new ModelError('The ONNX file holds no graph.');
  const opset = opsetVersion(model);
  if (opset === null || opset < 13) {
    throw new ModelError(
      `The model uses ONNX opset ${opset ?? 'unknown'}; capture needs opset 13 or newer ` +
        '(Unsqueeze/ReduceSum with axes inputs, GatherND batch_dims). Re-export the model with a newer opset.',
    );
  }
  const maskInput = graph.input.find((input) => input.name === 'attention_mask');
  if (!maskInput) {
    const inputs = graph.input.map((input) => input.name).join(', ');
    throw new ModelError(`The graph has no attention_mask input (inputs: ${inputs}).`, { tensor: 'attention_mask' });
  }
  const sequenceSource = ['input_ids', 'inputs_embeds'].find((name) => graph.input.some((input) => input.name === name));
  if (sequenceSource === undefined) {
    throw new ModelError('The graph takes neither input_ids nor inputs_embeds, so its sequence length is unknown.', { tensor: 'input_ids' });
  }
  if (request.layers.length !== request.tensors.length) {
    throw new ModelError(`Capture request lists ${request.layers.length} layers but ${request.tensors.length} tensors.`);
  }
  const exposed = exposeOutputs(graph.node, request.exposedOutputs ?? []);
  const index = new GraphIndex({ ...graph, node: exposed });
  const builder = new PoolingBuilder(sequenceSource);
  const outputs: ValueInfoProto[] = [];
  const pooledShape = ['batch', request.hiddenSize];
  request.layers.forEach((layer, at) => {
    const source = request.tensors[at] as string;
    const label = hookName(layer, request.hook, null);
    const hidden = builder.castToFloat(source, label);
    for (const pooling of request.poolings) {
      const pooled = pooling === 'mean' ? builder.maskedMean(hidden, label) : builder.lastRealToken(hidden, label);
      const name = builder.identity(pooled, captureOutputName(layer, request.hook, pooling));
      outputs.push(makeValueInfo(name, OnnxDataType.FLOAT, pooledShape));
    }
    if (request.unpooled) {
      const name = builder.identity(hidden, captureOutputName(layer, request.hook, null));
      outputs.push(makeValueInfo(name, OnnxDataType.FLOAT, ['batch', 'sequence', request.hiddenSize]));
    }
  });
  const inputs = [...graph.input];
  if (request.generation) {
    const { head } = request.generation;
    const last = builder.unsqueezeRows(builder.lastRealToken(head.normInput, 'next'), 'next');
    const logits = cloneHead(index, head, last, `${PREFIX}/next_head`, (node) => builder.nodes.push(node));
    const rows = builder.squeezeRows(builder.castToFloat(logits, 'next.logits'), 'next.logits');
    outputs.push(makeValueInfo(builder.identity(rows, NEXT_LOGITS_OUTPUT), OnnxDataType.FLOAT, ['batch', 'vocab']));
    outputs.push(...graph.output.filter((output) => KV_OUTPUT.test(output.name)));
  }
  if (request.lens) {
    inputs.push(makeValueInfo(LENS_GOLD_INPUT, OnnxDataType.INT64, ['batch']));
    outputs.push(...builder.lens(index, request.lens));
  }
  const nodes = [...exposed, ...builder.nodes];
  const initializers = [...graph.initializer, ...builder.initializers];
  return {
    ...model,
    graph: pruneGraph({ ...graph, node: nodes, initializer: initializers, input: inputs }, outputs),
  };
}

/** float32 [rows, layers, hidden]: the residual vectors a stand-alone lens graph reads (e.g. stored last-token vectors). */
export const LENS_RESIDUALS_INPUT = 'cotlab.lens.residuals';

/**
 * A graph of the model's final norm and LM head only, reading residual vectors from an input instead of running the
 * decoder: the logit lens of vectors captured earlier, with the model's own weights and no forward pass. Inputs:
 * LENS_RESIDUALS_INPUT and LENS_GOLD_INPUT; outputs: LENS_OUTPUTS.
 */
export function buildLensHeadGraph(model: ModelProto, head: HeadSpec, hiddenSize: number, topK: number, activation: OnnxDataType): ModelProto {
  const graph = model.graph;
  if (!graph) throw new ModelError('The ONNX file holds no graph.');
  const index = new GraphIndex(graph);
  const builder = new PoolingBuilder(LENS_RESIDUALS_INPUT);
  const residuals = activation === OnnxDataType.FLOAT ? LENS_RESIDUALS_INPUT : builder.castTo(LENS_RESIDUALS_INPUT, activation, 'lens.residuals');
  const outputs = builder.lensOf(index, head, residuals, 'layers', topK);
  const inputs = [
    makeValueInfo(LENS_RESIDUALS_INPUT, OnnxDataType.FLOAT, ['batch', 'layers', hiddenSize]),
    makeValueInfo(LENS_GOLD_INPUT, OnnxDataType.INT64, ['batch']),
  ];
  return {
    ...model,
    graph: pruneGraph({ ...graph, node: [...graph.node, ...builder.nodes], initializer: [...graph.initializer, ...builder.initializers], input: inputs }, outputs),
  };
}

/** Copies of the nodes named in `exposed`, given the extra outputs (missing lower outputs stay empty). */
function exposeOutputs(nodes: readonly NodeProto[], exposed: readonly ExposedOutput[]): NodeProto[] {
  const byNode = new Map<string, ExposedOutput[]>();
  for (const entry of exposed) byNode.set(entry.node, [...(byNode.get(entry.node) ?? []), entry]);
  const edited = nodes.map((node) => {
    const entries = byNode.get(node.name);
    if (!entries) return node;
    byNode.delete(node.name);
    const output = [...node.output];
    for (const entry of entries) {
      while (output.length <= entry.outputIndex) output.push('');
      output[entry.outputIndex] = entry.tensor;
    }
    return { ...node, output };
  });
  const missing = [...byNode.keys()];
  if (missing.length > 0) {
    throw new ModelError(`Cannot expose an output of node "${missing[0]}": the graph has no node of that name.`, {
      tensor: byNode.get(missing[0] as string)?.[0]?.tensor,
    });
  }
  return edited;
}

/** Where the edited graph for this model + request is cached; the key covers the graph bytes and the request. */
function captureGraphCachePath(cacheDir: string, modelBytes: Uint8Array, request: CaptureGraphRequest): string {
  const hash = createHash('sha256');
  hash.update(modelBytes);
  hash.update(JSON.stringify({ format: CAPTURE_GRAPH_FORMAT, ...request }));
  return path.join(cacheDir, 'capture-graphs', `${hash.digest('hex')}.onnx`);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The cached graph and the sha256 recorded beside it when it was built (`<entry>.sha256`). */
function checksumPath(cachePath: string): string {
  return `${cachePath}.sha256`;
}

/** The cache entry's bytes when they match their recorded sha256, why they cannot be used, or null when absent. */
function readCacheEntry(cachePath: string): { bytes: Uint8Array } | { problem: string } | null {
  if (!existsSync(cachePath)) return null;
  const recorded = existsSync(checksumPath(cachePath)) ? readFileSync(checksumPath(cachePath), 'utf8').trim() : null;
  if (recorded === null) return { problem: 'has no recorded sha256 (its writing was interrupted)' };
  const bytes = readFileSync(cachePath);
  return sha256(bytes) === recorded ? { bytes } : { problem: 'did not match its recorded sha256 (corrupted on disk)' };
}

/**
 * The cached edited graph for this request, building and storing it first when absent. An entry whose bytes do not
 * match the sha256 recorded when it was built is rebuilt, and `notice` says so.
 */
export function loadOrBuildCaptureGraph(
  cacheDir: string,
  modelBytes: Uint8Array,
  model: ModelProto,
  request: CaptureGraphRequest,
): { bytes: Uint8Array; cachePath: string; notice: string | null } {
  const cachePath = captureGraphCachePath(cacheDir, modelBytes, request);
  const cached = readCacheEntry(cachePath);
  if (cached && 'bytes' in cached) return { bytes: cached.bytes, cachePath, notice: null };
  const bytes = encodeModel(buildCaptureGraph(model, request));
  try {
    mkdirSync(path.dirname(cachePath), { recursive: true });
    // Write then rename, so a crash or a parallel run never leaves a half-written file under the final name; the
    // checksum goes last, so an entry without one is never trusted.
    writeAtomically(cachePath, bytes);
    writeAtomically(checksumPath(cachePath), `${sha256(bytes)}\n`);
  } catch (err) {
    throw new ModelError(
      `Cannot write the capture graph cache in ${cacheDir}: ${(err as Error).message}`,
      { dir: cacheDir },
      { cause: err },
    );
  }
  const notice = cached ? `The cached capture graph ${cachePath} ${cached.problem}; rebuilt it.` : null;
  return { bytes, cachePath, notice };
}

function writeAtomically(file: string, data: Uint8Array | string): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}

/** torch.onnx's open-ended Slice bound. */
const INT64_MAX = 9223372036854775807n;

/**
 * Emits the pooling, head and lens nodes; the attention-mask derived tensors are built once and shared by every
 * layer.
 */
class PoolingBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private maskTensors: { maskBySeq: string; realTokenCount: string; lastIndex: string } | null = null;
  private counter = 0;

  /** `sequenceSource`: a graph input [batch, seq, ...] whose second dimension is this pass's length. */
  constructor(private readonly sequenceSource: string) {}

  castToFloat(source: string, label: string): string {
    return this.add('Cast', [source], `${label}.float`, [intAttr('to', OnnxDataType.FLOAT)]);
  }

  castTo(source: string, type: OnnxDataType, label: string): string {
    return this.add('Cast', [source], `${label}.cast`, [intAttr('to', type)]);
  }

  /** sum_s(h[b,s,:] * mask[b,s]) / sum_s(mask[b,s]) -> [batch, hidden]. */
  maskedMean(hidden: string, label: string): string {
    const mask = this.mask();
    const weighted = this.add('Mul', [hidden, mask.maskBySeq], `${label}.masked`);
    const summed = this.reduceSum(weighted, `${label}.sum`, false);
    return this.add('Div', [summed, mask.realTokenCount], `${label}.mean`);
  }

  /** h[b, p, :] -> [batch, hidden] with p the last position of row b whose mask is 1 (any padding side). */
  lastRealToken(hidden: string, label: string): string {
    return this.add('GatherND', [hidden, this.mask().lastIndex], `${label}.last_token`, [intAttr('batch_dims', 1)]);
  }

  /** [batch, hidden] -> [batch, 1, hidden], the shape the model's own final norm and head expect. */
  unsqueezeRows(rows: string, label: string): string {
    return this.add('Unsqueeze', [rows, this.constant('axis_1', [1])], `${label}.unsqueezed`);
  }

  /** [batch, 1, vocab] -> [batch, vocab]. */
  squeezeRows(rows: string, label: string): string {
    return this.add('Squeeze', [rows, this.constant('axis_1', [1])], `${label}.squeezed`);
  }

  identity(source: string, outputName: string): string {
    const name = `/${PREFIX}/${outputName}`;
    this.nodes.push(makeNode({ opType: 'Identity', name, inputs: [source], outputs: [outputName] }));
    return outputName;
  }

  /** The logit lens on each lens layer's last-token residual, stacked to [batch, layers, hidden]. */
  lens(index: GraphIndex, request: LensRequest): ValueInfoProto[] {
    const stacked = request.tensors.map((tensor, at) =>
      this.unsqueezeRows(this.lastRealToken(tensor, `lens.${request.layers[at]}`), `lens.${request.layers[at]}`),
    );
    const residuals = stacked.length === 1 ? (stacked[0] as string) : this.add('Concat', stacked, 'lens.stacked', [intAttr('axis', 1)]);
    return this.lensOf(index, request.head, residuals, request.layers.length, request.topK);
  }

  /**
   * The final norm and LM head applied to `residuals` [batch, layers, hidden], softmax over the vocabulary, the top
   * k, and the gold token's probability and how many tokens score above it.
   */
  lensOf(index: GraphIndex, head: HeadSpec, residuals: string, layerCount: number | string, topK: number): ValueInfoProto[] {
    const logits = this.castToFloat(cloneHead(index, head, residuals, `${PREFIX}/lens_head`, (node) => this.nodes.push(node)), 'lens.logits');
    const probs = this.add('Softmax', [logits], 'lens.probs', [intAttr('axis', -1)]);
    const top = `${PREFIX}/lens.top`;
    this.nodes.push(
      makeNode({
        opType: 'TopK',
        name: `/${PREFIX}/TopK_lens`,
        inputs: [probs, this.constant('lens.k', [topK])],
        outputs: [`${top}.values`, `${top}.indices`],
        attributes: [intAttr('axis', -1), intAttr('largest', 1), intAttr('sorted', 1)],
      }),
    );
    // The gold id of each row, repeated for every lens layer: [batch] -> [batch, layers, 1].
    const goldColumn = this.add('Unsqueeze', [LENS_GOLD_INPUT, this.constant('axes_1_2', [1, 2])], 'lens.gold.column');
    const goldShape = this.add('Concat', [this.sliceShape(logits, 0, 2), this.constant('one', [1])], 'lens.gold.shape', [intAttr('axis', 0)]);
    const gold = this.add('Expand', [goldColumn, goldShape], 'lens.gold.expanded');
    const goldLogit = this.add('GatherElements', [logits, gold], 'lens.gold.logit', [intAttr('axis', 2)]);
    const goldProb = this.add('GatherElements', [probs, gold], 'lens.gold.prob', [intAttr('axis', 2)]);
    const above = this.add('Cast', [this.add('Greater', [logits, goldLogit], 'lens.above')], 'lens.above.float', [intAttr('to', OnnxDataType.FLOAT)]);
    const lensShape = ['batch', layerCount];
    const kShape = [...lensShape, topK];
    return [
      makeValueInfo(this.identity(`${top}.indices`, LENS_OUTPUTS.topIds), OnnxDataType.INT64, kShape),
      makeValueInfo(this.identity(`${top}.values`, LENS_OUTPUTS.topProbs), OnnxDataType.FLOAT, kShape),
      makeValueInfo(this.identity(this.squeezeLast(goldProb, 'lens.gold.prob.row'), LENS_OUTPUTS.goldProb), OnnxDataType.FLOAT, lensShape),
      makeValueInfo(this.identity(this.reduceSumLast(above, 'lens.above.count'), LENS_OUTPUTS.goldAbove), OnnxDataType.FLOAT, lensShape),
    ];
  }

  /**
   * The mask columns of this pass (the last `seq` columns of attention_mask, which also holds the cached positions
   * after the first pass), and from them the per-row count of real tokens and the last real position.
   */
  private mask(): { maskBySeq: string; realTokenCount: string; lastIndex: string } {
    if (this.maskTensors) return this.maskTensors;
    const seqLength = this.sliceShape(this.sequenceSource, 1, 2);
    const start = this.add('Neg', [seqLength], 'mask.start');
    const current = this.add(
      'Slice',
      ['attention_mask', start, this.constant('int64_max', [INT64_MAX]), this.constant('axis_1', [1])],
      'mask.current',
    );
    const maskFloat = this.add('Cast', [current], 'mask.float', [intAttr('to', OnnxDataType.FLOAT)]);
    const maskBySeq = this.add('Unsqueeze', [maskFloat, this.constant('axis_2', [2])], 'mask.unsqueezed');
    const realTokenCount = this.reduceSum(maskFloat, 'mask.count', true);
    // mask * position peaks at the last real position; ArgMax (an attribute axis in every opset) finds it.
    const length = this.add('Squeeze', [seqLength, this.constant('axis_0', [0])], 'mask.length');
    const positions = this.add('Range', [this.constant('zero', [], 0), length, this.constant('one_scalar', [], 1)], 'mask.positions');
    const positionsFloat = this.add('Cast', [positions], 'mask.positions.float', [intAttr('to', OnnxDataType.FLOAT)]);
    const weighted = this.add('Mul', [maskFloat, positionsFloat], 'mask.weighted_positions');
    const lastIndex = this.add('ArgMax', [weighted], 'mask.last_index', [intAttr('axis', 1), intAttr('keepdims', 1)]);
    this.maskTensors = { maskBySeq, realTokenCount, lastIndex };
    return this.maskTensors;
  }

  /** Dimensions [from, to) of a tensor's shape, int64 [to - from]. */
  private sliceShape(tensor: string, from: number, to: number): string {
    const shape = this.add('Shape', [tensor], `${tensor}.shape`);
    return this.add('Slice', [shape, this.constant(`at_${from}`, [from]), this.constant(`at_${to}`, [to])], `${tensor}.shape.${from}_${to}`);
  }

  /** ReduceSum over the sequence axis. Its axes became an input in opset 13 (ReduceMean's only in 18). */
  private reduceSum(source: string, label: string, keepDims: boolean): string {
    const axes = this.constant('axis_1', [1]);
    return this.add('ReduceSum', [source, axes], label, [intAttr('keepdims', keepDims ? 1 : 0)]);
  }

  private reduceSumLast(source: string, label: string): string {
    return this.add('ReduceSum', [source, this.constant('axis_minus_1', [-1])], label, [intAttr('keepdims', 0)]);
  }

  private squeezeLast(source: string, label: string): string {
    return this.add('Squeeze', [source, this.constant('axis_minus_1', [-1])], label);
  }

  /** An int64 initializer: a vector of `values`, or with `dims` [] the scalar `scalar`. */
  private constant(label: string, values: (number | bigint)[], scalar?: number): string {
    const name = `${PREFIX}/${label}`;
    if (!this.initializers.some((tensor) => tensor.name === name)) {
      this.initializers.push(scalar === undefined ? int64Tensor(name, [values.length], values) : int64Tensor(name, [], [scalar]));
    }
    return name;
  }

  private add(opType: string, inputs: string[], label: string, attributes: AttributeProto[] = []): string {
    this.counter += 1;
    const output = `${PREFIX}/${label}`;
    const name = `/${PREFIX}/${opType}_${this.counter}`;
    this.nodes.push(makeNode({ opType, name, inputs, outputs: [output], attributes }));
    return output;
  }
}

/**
 * Keep only what `outputs` need: nodes (in their original, topological order), initializers, graph inputs and
 * value_info. ORT would otherwise still run the LM head even when logits are not fetched.
 */
function pruneGraph(graph: GraphProto, outputs: ValueInfoProto[]): GraphProto {
  const needed = new Set(outputs.map((output) => output.name));
  const kept: NodeProto[] = [];
  for (let at = graph.node.length - 1; at >= 0; at -= 1) {
    const node = graph.node[at] as NodeProto;
    if (!node.output.some((output) => needed.has(output))) continue;
    kept.push(node);
    for (const input of node.input) if (input) needed.add(input);
    for (const name of subgraphReads(node)) needed.add(name);
  }
  kept.reverse();
  return {
    ...graph,
    node: kept,
    output: outputs,
    input: graph.input.filter((input) => needed.has(input.name)),
    initializer: graph.initializer.filter((tensor) => needed.has(tensor.name)),
    valueInfo: graph.valueInfo.filter((info) => needed.has(info.name)),
  };
}

/** Names read inside If/Loop/Scan bodies: they may come from the outer graph, so keep their producers. */
function subgraphReads(node: NodeProto): string[] {
  const reads: string[] = [];
  const visit = (graph: GraphProto): void => {
    for (const inner of graph.node) {
      reads.push(...inner.input.filter((input) => input));
      for (const attribute of inner.attribute) {
        if (attribute.g) visit(attribute.g);
        attribute.graphs.forEach(visit);
      }
    }
  };
  for (const attribute of node.attribute) {
    if (attribute.g) visit(attribute.g);
    attribute.graphs.forEach(visit);
  }
  return reads;
}
