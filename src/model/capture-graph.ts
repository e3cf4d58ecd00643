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
import { hookName, type HookPoint, type Pooling } from '../results/capture-points.js';

/** Which tensors to tap and how to pool them. */
export interface CaptureGraphRequest {
  hook: HookPoint;
  /** Decoder layer indices, in output order. */
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
}

/** Bumped whenever the emitted graph or the cache layout changes, so stale cached graphs are not reused. */
const CAPTURE_GRAPH_FORMAT = 2;
const PREFIX = 'cotlab_capture';

/**
 * Graph output name: `blocks.3.hook_resid_post.mean`, `.last_token`, or without suffix for the unpooled tensor
 * (hf_hidden_states points by their Hugging Face index, which needs no layer count: `hidden_states.4.mean`).
 */
export function captureOutputName(layer: number, hook: HookPoint, pooling: Pooling | null): string {
  const name = hookName(layer, hook, null);
  return pooling === null ? name : `${name}.${pooling}`;
}

/**
 * A copy of `model` whose only outputs are the pooled hook tensors, each float32 [batch, hidden]:
 * `mean` = sum(h * mask) / sum(mask) over the sequence, `last_token` = h at position sum(mask) - 1 per row, so
 * right-padded batches pool over real tokens only. Nodes no output needs (LM head, logits, presents) are pruned.
 * Weights are shared with `model`, never copied or changed.
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
  if (request.layers.length !== request.tensors.length) {
    throw new ModelError(`Capture request lists ${request.layers.length} layers but ${request.tensors.length} tensors.`);
  }
  const builder = new PoolingBuilder();
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
  const nodes = [...exposeOutputs(graph.node, request.exposedOutputs ?? []), ...builder.nodes];
  const initializers = [...graph.initializer, ...builder.initializers];
  return {
    ...model,
    graph: pruneGraph({ ...graph, node: nodes, initializer: initializers }, outputs),
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

/** Emits the pooling nodes; the attention-mask derived tensors are built once and shared by every layer. */
class PoolingBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private maskTensors: { maskBySeq: string; realTokenCount: string; lastIndex: string } | null = null;
  private counter = 0;

  castToFloat(source: string, label: string): string {
    return this.add('Cast', [source], `${label}.float`, [intAttr('to', OnnxDataType.FLOAT)]);
  }

  /** sum_s(h[b,s,:] * mask[b,s]) / sum_s(mask[b,s]) -> [batch, hidden]. */
  maskedMean(hidden: string, label: string): string {
    const mask = this.mask();
    const weighted = this.add('Mul', [hidden, mask.maskBySeq], `${label}.masked`);
    const summed = this.reduceSum(weighted, `${label}.sum`, false);
    return this.add('Div', [summed, mask.realTokenCount], `${label}.mean`);
  }

  /** h[b, sum(mask[b]) - 1, :] -> [batch, hidden]: the last real token of each (right-padded) row. */
  lastRealToken(hidden: string, label: string): string {
    return this.add('GatherND', [hidden, this.mask().lastIndex], `${label}.last_token`, [intAttr('batch_dims', 1)]);
  }

  identity(source: string, outputName: string): string {
    const name = `/${PREFIX}/${outputName}`;
    this.nodes.push(makeNode({ opType: 'Identity', name, inputs: [source], outputs: [outputName] }));
    return outputName;
  }

  private mask(): { maskBySeq: string; realTokenCount: string; lastIndex: string } {
    if (this.maskTensors) return this.maskTensors;
    const maskFloat = this.add('Cast', ['attention_mask'], 'mask.float', [intAttr('to', OnnxDataType.FLOAT)]);
    const maskInt = this.add('Cast', ['attention_mask'], 'mask.int64', [intAttr('to', OnnxDataType.INT64)]);
    const maskBySeq = this.add('Unsqueeze', [maskFloat, this.constant('axis_2', [2])], 'mask.unsqueezed');
    const realTokenCount = this.reduceSum(maskFloat, 'mask.count', true);
    const countInt = this.reduceSum(maskInt, 'mask.count_int64', true);
    const lastIndex = this.add('Sub', [countInt, this.constant('one', [1])], 'mask.last_index');
    this.maskTensors = { maskBySeq, realTokenCount, lastIndex };
    return this.maskTensors;
  }

  /** ReduceSum over the sequence axis. Its axes became an input in opset 13 (ReduceMean's only in 18). */
  private reduceSum(source: string, label: string, keepDims: boolean): string {
    const axes = this.constant('axis_1', [1]);
    return this.add('ReduceSum', [source, axes], label, [intAttr('keepdims', keepDims ? 1 : 0)]);
  }

  private constant(label: string, values: number[]): string {
    const name = `${PREFIX}/${label}`;
    if (!this.initializers.some((tensor) => tensor.name === name)) {
      this.initializers.push(int64Tensor(name, [values.length], values));
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
