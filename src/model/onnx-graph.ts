/**
 * Reading, writing and building ONNX protobuf messages (onnx-buf + @bufbuild/protobuf v2).
 * Decoding keeps unknown fields, so decode -> encode never drops anything a newer ONNX wrote.
 */
import { readFileSync, writeFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  AttributeProtoSchema,
  AttributeProto_AttributeType,
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProtoSchema,
  TensorProto_DataLocation,
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

export function readModel(path: string): ModelProto {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new OnnxGraphError(`Cannot read the ONNX model file ${path}.`, { file: path }, { cause });
  }
  return decodeModel(bytes, path);
}

export function encodeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model);
}

export function writeModel(model: ModelProto, path: string): void {
  writeFileSync(path, encodeModel(model));
}

/** Version of the operator set the model imports for `domain` ('' = the default ONNX domain), or null. */
export function opsetVersion(model: ModelProto, domain = ''): number | null {
  const entry = model.opsetImport.find((o) => o.domain === domain || (domain === '' && o.domain === 'ai.onnx'));
  return entry === undefined ? null : Number(entry.version);
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function checkLength(name: string, dims: readonly number[], length: number): void {
  if (elementCount(dims) !== length) {
    throw new OnnxGraphError(
      `Tensor ${name} has ${length} values but its shape [${dims.join(', ')}] needs ${elementCount(dims)}.`,
      { tensor: name },
    );
  }
}

/** A float32 tensor stored as little-endian raw_data (as torch.onnx writes initializers). */
export function float32Tensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  checkLength(name, dims, values.length);
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return create(TensorProtoSchema, {
    name,
    dims: dims.map(BigInt),
    dataType: TensorProto_DataType.FLOAT,
    rawData: raw,
  });
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

export function intAttr(name: string, value: number | bigint): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });
}

export function floatAttr(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: value });
}

export function intsAttr(name: string, values: readonly (number | bigint)[]): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: values.map(BigInt) });
}

export function stringAttr(name: string, value: string): AttributeProto {
  return create(AttributeProtoSchema, {
    name,
    type: AttributeProto_AttributeType.STRING,
    s: new TextEncoder().encode(value),
  });
}

export function tensorAttr(name: string, value: TensorProto): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.TENSOR, t: value });
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

/** External-data entries of a tensor as a key -> value map (location, offset, length, checksum). */
function externalDataEntries(tensor: TensorProto): Map<string, string> {
  return new Map(tensor.externalData.map((e) => [e.key, e.value]));
}

function readExternalBytes(tensor: TensorProto, modelDir: string | undefined): Uint8Array {
  const entries = externalDataEntries(tensor);
  const location = entries.get('location');
  if (location === undefined || location === '') {
    throw new OnnxGraphError(`Tensor ${tensor.name} is marked external but names no data file.`, {
      tensor: tensor.name,
    });
  }
  if (modelDir === undefined) {
    throw new OnnxGraphError(
      `Tensor ${tensor.name} lives in the external file ${location}; the model folder is needed to read it.`,
      { tensor: tensor.name, file: location },
    );
  }
  // ONNX requires locations relative to the model folder; refuse paths that climb out of it.
  const normalized = normalize(location);
  if (isAbsolute(normalized) || normalized === '..' || normalized.startsWith(`..${sep}`)) {
    throw new OnnxGraphError(`Tensor ${tensor.name} points outside the model folder (${location}).`, {
      tensor: tensor.name,
      file: location,
    });
  }
  const file = join(modelDir, normalized);
  const offset = Number(entries.get('offset') ?? '0');
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    throw new OnnxGraphError(
      `External data file ${file} for tensor ${tensor.name} cannot be opened.`,
      { tensor: tensor.name, file },
      { cause },
    );
  }
  try {
    const size = fstatSync(fd).size;
    const length = entries.has('length') ? Number(entries.get('length')) : size - offset;
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || offset + length > size) {
      throw new OnnxGraphError(
        `External data for tensor ${tensor.name} (offset ${offset}, length ${length}) ` +
          `does not fit in ${file} (${size} bytes).`,
        { tensor: tensor.name, file },
      );
    }
    const bytes = new Uint8Array(length);
    readSync(fd, bytes, 0, length, offset);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** Values of a float32 tensor from raw_data, float_data or an external data file (modelDir resolves it). */
export function tensorToFloat32(tensor: TensorProto, modelDir?: string): Float32Array {
  if (tensor.dataType !== TensorProto_DataType.FLOAT) {
    throw new OnnxGraphError(
      `Tensor ${tensor.name} holds ${TensorProto_DataType[tensor.dataType] ?? tensor.dataType} values, not float32.`,
      { tensor: tensor.name },
    );
  }
  const count = elementCount(tensor.dims.map(Number));
  let bytes: Uint8Array | null = null;
  if (tensor.dataLocation === TensorProto_DataLocation.EXTERNAL) bytes = readExternalBytes(tensor, modelDir);
  else if (tensor.rawData.length > 0 || tensor.floatData.length === 0) bytes = tensor.rawData;
  const values = bytes === null ? Float32Array.from(tensor.floatData) : new Float32Array(bytes.length / 4);
  if (bytes !== null) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  }
  if (values.length !== count) {
    throw new OnnxGraphError(
      `Tensor ${tensor.name} stores ${values.length} values but its shape needs ${count}.`,
      { tensor: tensor.name },
    );
  }
  return values;
}

/** Values of the float32 initializer `name`; modelDir (the .onnx file's folder) is needed for external data. */
export function readInitializerFloat32(model: ModelProto, name: string, modelDir?: string): Float32Array {
  const tensor = model.graph?.initializer.find((t) => t.name === name);
  if (tensor === undefined) {
    throw new OnnxGraphError(`The model has no weight named ${name}.`, { tensor: name });
  }
  return tensorToFloat32(tensor, modelDir);
}
