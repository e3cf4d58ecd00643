/** Facts read off a decoder graph without running it: activation dtype and weight quantization. */
import type { ModelProto } from 'onnx-buf';
import { OnnxDataType } from './onnx-graph.js';

export type ActivationDtype = 'float32' | 'float16' | 'bfloat16' | 'unknown';

export interface Quantization {
  /** int4 / int8: quantized MatMul weights; float32 / float16 / bfloat16: plain float weights. */
  kind: 'int4' | 'int8' | 'float32' | 'float16' | 'bfloat16' | 'unknown';
  /** Bits and block size of MatMulNBits weights; null for other formats. */
  bits: number | null;
  blockSize: number | null;
  /** One line for people, e.g. `int4 MatMulNBits (block 32)`. */
  description: string;
}

const FLOAT_NAMES = new Map<number, Exclude<ActivationDtype, 'unknown'>>([
  [OnnxDataType.FLOAT, 'float32'],
  [OnnxDataType.FLOAT16, 'float16'],
  [OnnxDataType.BFLOAT16, 'bfloat16'],
]);

/** The float type of the graph's activations: that of its first float input or output (embeddings, KV cache, logits). */
export function activationDtype(model: ModelProto): ActivationDtype {
  const values = [...(model.graph?.input ?? []), ...(model.graph?.output ?? [])];
  for (const value of values) {
    const type = value.type?.value;
    if (type?.case !== 'tensorType') continue;
    const name = FLOAT_NAMES.get(type.value.elemType);
    if (name) return name;
  }
  return 'unknown';
}

/** Ops through which int8 (q8 / "quantized") exports multiply by their weights. */
const INT8_OPS = new Set(['MatMulInteger', 'QLinearMatMul', 'DynamicQuantizeLinear', 'DynamicQuantizeMatMul']);

export function weightQuantization(model: ModelProto): Quantization {
  const nodes = model.graph?.node ?? [];
  const nbits = nodes.filter((node) => node.opType === 'MatMulNBits');
  if (nbits.length > 0) {
    const attribute = (name: string): number | null => {
      const found = nbits[0]?.attribute.find((attr) => attr.name === name);
      return found === undefined ? null : Number(found.i);
    };
    const bits = attribute('bits') ?? 4;
    const blockSize = attribute('block_size');
    return {
      kind: bits === 8 ? 'int8' : 'int4',
      bits,
      blockSize,
      description: `int${bits} MatMulNBits (block ${blockSize ?? '?'}, ${nbits.length} matmuls)`,
    };
  }
  if (nodes.some((node) => INT8_OPS.has(node.opType))) {
    return { kind: 'int8', bits: 8, blockSize: null, description: 'int8 (q8 dynamic quantization)' };
  }
  // The float type holding most weight values.
  const counts = new Map<number, number>();
  for (const tensor of model.graph?.initializer ?? []) {
    const size = tensor.dims.reduce((product, dim) => product * Number(dim), 1);
    counts.set(tensor.dataType, (counts.get(tensor.dataType) ?? 0) + size);
  }
  const floats = [...counts].filter(([type]) => FLOAT_NAMES.has(type)).sort((a, b) => b[1] - a[1]);
  const kind = floats[0] ? (FLOAT_NAMES.get(floats[0][0]) ?? 'unknown') : 'unknown';
  return { kind, bits: null, blockSize: null, description: kind === 'unknown' ? 'unknown' : `${kind} weights` };
}
