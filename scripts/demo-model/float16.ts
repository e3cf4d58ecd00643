/**
 * Turns a float32 demo graph into a float16 one the way onnxconverter-common's convert_float_to_float16 does:
 * float weights and constants become float16 (clamped to its range, so the float32 mask minimum stays finite),
 * Casts to float become Casts to float16, and float graph inputs/outputs become float16. Every activation, the
 * residual stream included, is then float16 and overflows past 65504 as real fp16 exports of Gemma 3 do.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema } from 'onnx-buf';
import type { GraphProto, ModelProto, TensorProto, ValueInfoProto } from '../../src/model/onnx-graph.js';
import { OnnxDataType, intAttr } from '../../src/model/onnx-graph.js';
import { tensorToFloat32 } from './onnx-tensors.js';

export const FLOAT16_MAX = 65504;

/** IEEE 754 half-precision bits of `value`, rounded to nearest even; infinities and NaN are kept. */
export function float16Bits(value: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 31) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const rounded = roundShift(full, shift);
    return sign | rounded;
  }
  // Rounding may carry into the exponent, which is the correct result (up to infinity).
  return sign | ((halfExponent << 10) + roundShift(mantissa, 13));
}

/** value >> shift, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const kept = value >>> shift;
  const remainder = value - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return remainder > half || (remainder === half && kept % 2 === 1) ? kept + 1 : kept;
}

function clampToFloat16(value: number): number {
  return Math.min(FLOAT16_MAX, Math.max(-FLOAT16_MAX, value));
}

function float16Tensor(source: TensorProto): TensorProto {
  const values = tensorToFloat32(source);
  const raw = new Uint8Array(values.length * 2);
  const view = new DataView(raw.buffer);
  values.forEach((value, i) => view.setUint16(i * 2, float16Bits(clampToFloat16(value)), true));
  return create(TensorProtoSchema, { name: source.name, dims: source.dims, dataType: OnnxDataType.FLOAT16, rawData: raw });
}

function retypeValue(info: ValueInfoProto): ValueInfoProto {
  const type = info.type?.value;
  if (type?.case !== 'tensorType' || type.value.elemType !== OnnxDataType.FLOAT) return info;
  return { ...info, type: { ...info.type!, value: { case: 'tensorType', value: { ...type.value, elemType: OnnxDataType.FLOAT16 } } } };
}

function convertGraph(graph: GraphProto): GraphProto {
  const node = graph.node.map((original) => {
    const attribute = original.attribute.map((attr) => {
      if (original.opType === 'Cast' && attr.name === 'to' && Number(attr.i) === OnnxDataType.FLOAT) {
        return intAttr('to', OnnxDataType.FLOAT16);
      }
      if (attr.t?.dataType === OnnxDataType.FLOAT) return { ...attr, t: float16Tensor(attr.t) };
      return attr;
    });
    return { ...original, attribute };
  });
  return {
    ...graph,
    node,
    initializer: graph.initializer.map((tensor) => (tensor.dataType === OnnxDataType.FLOAT ? float16Tensor(tensor) : tensor)),
    input: graph.input.map(retypeValue),
    output: graph.output.map(retypeValue),
    valueInfo: graph.valueInfo.map(retypeValue),
  };
}

export function convertModelToFloat16(model: ModelProto): ModelProto {
  if (model.graph === undefined) return model;
  return { ...model, graph: convertGraph(model.graph) };
}
