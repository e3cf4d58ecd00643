/**
 * Building and reading weight tensors and attributes of the demo model's ONNX graph: what the generator writes
 * (float32 weights, float/ints/string/tensor attributes) and reads back (float32 values, inline or external).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, TensorProtoSchema, TensorProto_DataLocation, TensorProto_DataType } from 'onnx-buf';
import type { AttributeProto, TensorProto } from '../../src/model/onnx-graph.js';
import { checkLength, elementCount, OnnxGraphError } from '../../src/model/onnx-graph.js';

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
