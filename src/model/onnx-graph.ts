/**
 * Decoding, encoding and editing ONNX protobuf messages (onnx-buf + @bufbuild/protobuf v2): what the capture-graph
 * edit needs. Decoding keeps unknown fields, so decode -> encode never drops anything a newer ONNX wrote.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType,
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProtoSchema,
  TensorProto_DataType,
  ValueInfoProtoSchema,
} from 'onnx-buf';
import type { AttributeProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';

export { TensorProto_DataType as OnnxDataType } from 'onnx-buf';
export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';

/** Context carried by every ONNX file / tensor error. */
export interface OnnxGraphErrorContext {
  file?: string;
  tensor?: string;
}

export class OnnxGraphError extends Error {
  override readonly name = 'OnnxGraphError';
  constructor(
    message: string,
    readonly context: OnnxGraphErrorContext = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Decodes ONNX model bytes; `source` only names the origin in error messages. */
export function decodeModel(bytes: Uint8Array, source = '<bytes>'): ModelProto {
  try {
    return fromBinary(ModelProtoSchema, bytes);
  } catch (cause) {
    throw new OnnxGraphError(`${source} is not a readable ONNX model (${String(cause)}).`, { file: source }, { cause });
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

/** Version of the operator set the model imports for `domain` ('' = the default ONNX domain), or null. */
export function opsetVersion(model: ModelProto, domain = ''): number | null {
  const entry = model.opsetImport.find((o) => o.domain === domain || (domain === '' && o.domain === 'ai.onnx'));
  return entry === undefined ? null : Number(entry.version);
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Throws when `length` values cannot fill a tensor of shape `dims`. */
export function checkLength(name: string, dims: readonly number[], length: number): void {
  if (elementCount(dims) !== length) {
    throw new OnnxGraphError(
      `Tensor ${name} has ${length} values but its shape [${dims.join(', ')}] needs ${elementCount(dims)}.`,
      { tensor: name },
    );
  }
}

/** An int64 tensor stored as little-endian raw_data. */
export function int64Tensor(name: string, dims: readonly number[], values: ArrayLike<number | bigint>): TensorProto {
  checkLength(name, dims, values.length);
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i] as number | bigint), true);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: TensorProto_DataType.INT64,
    rawData: raw,
  });
}

/** A `value` attribute holding a tensor (for Constant nodes). */
export function tensorAttr(name: string, tensor: TensorProto): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.TENSOR, t: tensor });
}

export function intAttr(name: string, value: number | bigint): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });
}

export interface NodeSpec {
  opType: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly AttributeProto[];
  domain?: string;
}

export function makeNode(spec: NodeSpec): NodeProto {
  const node = create(NodeProtoSchema, {
    opType: spec.opType,
    name: spec.name,
    input: [...spec.inputs],
    output: [...spec.outputs],
    attribute: [...(spec.attributes ?? [])],
  });
  if (spec.domain !== undefined && spec.domain !== '') node.domain = spec.domain;
  return node;
}

/** A typed value info; a string dim is symbolic (dim_param), a number is fixed (dim_value). */
export function makeValueInfo(
  name: string,
  elemType: TensorProto_DataType,
  dims: readonly (number | string)[],
): ValueInfoProto {
  return create(ValueInfoProtoSchema, {
    name,
    type: {
      value: {
        case: 'tensorType',
        value: {
          elemType,
          shape: {
            dim: dims.map((d) =>
              typeof d === 'number'
                ? { value: { case: 'dimValue' as const, value: BigInt(d) } }
                : { value: { case: 'dimParam' as const, value: d } },
            ),
          },
        },
      },
    },
  });
}
