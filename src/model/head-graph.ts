/**
 * The model's own output head, reused inside an edited graph: the final norm followed by the LM head (and whatever
 * the export puts between them and `logits`, e.g. Gemma 2's softcapping). Cloning these nodes onto another residual
 * tensor gives next-token logits for the last real token only (not [seq, vocab] for every position) and a logit
 * lens for every layer, with the model's weights, in the same forward pass.
 */
import type { NodeProto } from 'onnx-buf';
import type { FinalNorm, Mismatch } from './export-styles/export-style.js';
import { ModelError } from './errors.js';
import type { GraphIndex } from './graph-index.js';
import { int64Tensor, intAttr, makeNode, tensorAttr } from './onnx-graph.js';

/** The graph output holding the next-token scores in every export style the workbench reads. */
export const LOGITS_OUTPUT = 'logits';

/** Fused norms that take the residual as two summands (input + skip); genai's final norm is one of them. */
const SKIP_NORMS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);

/** What the head clone needs, in names only (it is part of a capture-graph request, which keys the cache). */
export interface HeadSpec {
  /** The residual the final norm reads (FinalNorm.input). */
  normInput: string;
  /** The final norm's output (FinalNorm.output). */
  normOutput: string;
  /** The nodes computing the final norm (FinalNorm.nodes). */
  normNodes: string[];
  /** The graph output holding the logits. */
  logits: string;
}

/** The LM head of a decoder: the logits output and that it depends on the final norm. */
export function locateHead(index: GraphIndex, norm: FinalNorm): HeadSpec | Mismatch {
  if (!index.outputs.includes(LOGITS_OUTPUT)) {
    return { mismatch: `the graph has no "${LOGITS_OUTPUT}" output (an export without its LM head, e.g. exclude_lm_head)` };
  }
  const spec: HeadSpec = { normInput: norm.input, normOutput: norm.output, normNodes: norm.nodes, logits: LOGITS_OUTPUT };
  const cone = headCone(index, spec);
  if (cone.length === 0) return { mismatch: `the "${LOGITS_OUTPUT}" output does not depend on the final norm's output ${norm.output}` };
  const entries = normEntries(index, spec);
  if (!('mismatch' in entries)) return spec;
  return entries;
}

/** Nodes on a path from the final norm's output to the logits, in graph order. */
function headCone(index: GraphIndex, spec: HeadSpec): NodeProto[] {
  const downstream = new Set<NodeProto>();
  const pending = [spec.normOutput];
  while (pending.length > 0) {
    const tensor = pending.pop() as string;
    for (const consumer of index.consumersOf(tensor)) {
      if (downstream.has(consumer)) continue;
      downstream.add(consumer);
      pending.push(...consumer.output.filter((output) => output));
    }
  }
  const upstream = new Set<NodeProto>();
  const back = [spec.logits];
  while (back.length > 0) {
    const producer = index.producerOf(back.pop() as string);
    if (!producer || upstream.has(producer) || !downstream.has(producer)) continue;
    upstream.add(producer);
    back.push(...producer.input.filter((input) => input));
  }
  return index.nodes.filter((node) => upstream.has(node));
}

/** How the final norm reads its residual: one tensor (norm.input), or a fused skip norm's two summands. */
type NormEntries = { kind: 'single' } | { kind: 'skip'; node: NodeProto } | Mismatch;

function normEntries(index: GraphIndex, spec: HeadSpec): NormEntries {
  const nodes = new Set(spec.normNodes);
  const normNodes = index.nodes.filter((node) => nodes.has(node.name));
  const produced = new Set(normNodes.flatMap((node) => node.output));
  const entering = new Set<string>();
  for (const node of normNodes) {
    for (const input of node.input) {
      if (!input || produced.has(input) || index.initializers.has(input)) continue;
      const producer = index.producerOf(input);
      if (producer?.opType === 'Constant') continue;
      entering.add(input);
    }
  }
  if (entering.size === 1 && entering.has(spec.normInput)) return { kind: 'single' };
  const only = normNodes[0];
  if (normNodes.length === 1 && only && SKIP_NORMS.has(only.opType) && entering.size === 2) return { kind: 'skip', node: only };
  return { mismatch: `the final norm reads ${[...entering].join(', ') || 'nothing'}, not just the residual ${spec.normInput}` };
}

/**
 * Emits copies of the final norm and the LM head that read `residual` ([batch, rows, hidden], the model's activation
 * type) instead of the last layer's stream; returns the cloned logits tensor [batch, rows, vocab]. Weights and
 * anything else the head reads from outside (a transposed embedding) are shared, not copied.
 */
export function cloneHead(index: GraphIndex, spec: HeadSpec, residual: string, prefix: string, emit: (node: NodeProto) => void): string {
  const entries = normEntries(index, spec);
  if ('mismatch' in entries) throw new ModelError(`Cannot reuse the model's final norm: ${entries.mismatch}.`, { tensor: spec.normInput });
  const renamed = new Map<string, string>();
  const rename = (tensor: string): string => renamed.get(tensor) ?? tensor;
  const copy = (node: NodeProto, inputs: string[]): void => {
    const outputs = node.output.map((output) => {
      if (!output) return output;
      const name = `${prefix}/${output}`;
      renamed.set(output, name);
      return name;
    });
    emit(makeNode({ opType: node.opType, name: `${prefix}/${node.name}`, inputs, outputs, attributes: node.attribute, domain: node.domain }));
  };
  const normSet = new Set(spec.normNodes);
  const normNodes = index.nodes.filter((node) => normSet.has(node.name));
  if (entries.kind === 'single') {
    renamed.set(spec.normInput, residual);
    for (const node of normNodes) copy(node, node.input.map(rename));
  } else {
    // input + skip = residual + 0: a zero tensor of the residual's own shape and type keeps the fused op exact.
    const zeros = `${prefix}/zeros`;
    emit(makeNode({ opType: 'Sub', name: `${prefix}/Sub_zeros`, inputs: [residual, residual], outputs: [zeros] }));
    const [, , ...rest] = entries.node.input;
    // Only output 0 (the normed stream) is used; the residual sum and statistics outputs are left off.
    const node = { ...entries.node, output: entries.node.output.slice(0, 1) };
    copy(node, [residual, zeros, ...rest]);
  }
  for (const node of headCone(index, spec)) {
    const transposed = transposedWeight(index, node);
    if (transposed === null) copy(node, node.input.map(rename));
    else emitGemm(node, rename(node.input[0] as string), transposed, prefix, emit, renamed);
  }
  return rename(spec.logits);
}

/**
 * A tied LM head written as MatMul(x, Transpose(W)) with W an initializer [vocab, hidden] (the embedding matrix):
 * ORT would transpose the whole matrix on every pass (262144 x 2560 floats for Gemma 3 4B), so the clone multiplies
 * by W itself through Gemm's transB instead. Returns W and its shape, or null for any other node.
 */
function transposedWeight(index: GraphIndex, node: NodeProto): { weight: string; dims: readonly number[] } | null {
  if (node.opType !== 'MatMul') return null;
  const transpose = index.producerOf(node.input[1] ?? '');
  if (transpose?.opType !== 'Transpose') return null;
  const weight = transpose.input[0] ?? '';
  const dims = index.initializerDims.get(weight);
  const perm = transpose.attribute.find((attribute) => attribute.name === 'perm')?.ints.map(Number);
  if (dims?.length !== 2 || (perm !== undefined && (perm[0] !== 1 || perm[1] !== 0))) return null;
  return { weight, dims };
}

/** x [..., hidden] times W^T as Reshape -> Gemm(transB) -> Reshape, so no transposed copy of W is made. */
function emitGemm(
  node: NodeProto,
  input: string,
  transposed: { weight: string; dims: readonly number[] },
  prefix: string,
  emit: (node: NodeProto) => void,
  renamed: Map<string, string>,
): void {
  const [vocab, hidden] = transposed.dims as [number, number];
  const base = `${prefix}/${node.name}/gemm`;
  const constant = (name: string, dims: number[], values: number[]): string => {
    emit(makeNode({ opType: 'Constant', name: `${base}/${name}`, inputs: [], outputs: [`${base}/${name}`], attributes: [tensorAttr('value', int64Tensor(`${base}/${name}`, dims, values))] }));
    return `${base}/${name}`;
  };
  const op = (opType: string, name: string, inputs: string[], attributes = [] as ReturnType<typeof intAttr>[]): string => {
    emit(makeNode({ opType, name: `${base}/${name}`, inputs, outputs: [`${base}/${name}_output`], attributes }));
    return `${base}/${name}_output`;
  };
  const leading = op('Slice', 'leading_dims', [op('Shape', 'shape', [input]), constant('start', [1], [0]), constant('end', [1], [-1])]);
  const flat = op('Reshape', 'flat', [input, constant('flat_shape', [2], [-1, hidden])]);
  const product = op('Gemm', 'Gemm', [flat, transposed.weight], [intAttr('transB', 1)]);
  const shape = op('Concat', 'out_shape', [leading, constant('vocab', [1], [vocab])], [intAttr('axis', 0)]);
  const output = node.output[0] as string;
  const name = `${prefix}/${output}`;
  emit(makeNode({ opType: 'Reshape', name: `${base}/unflat`, inputs: [product, shape], outputs: [name] }));
  renamed.set(output, name);
}
