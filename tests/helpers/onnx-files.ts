/** Reading and writing ONNX model files and their float32 weights in tests. */
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeModel, encodeModel, OnnxGraphError, type ModelProto } from '../../src/model/onnx-graph.js';
import { tensorToFloat32 } from '../../scripts/demo-model/onnx-tensors.js';

export function readModel(path: string): ModelProto {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new OnnxGraphError(`Cannot read the ONNX model file ${path}.`, { file: path }, { cause });
  }
  return decodeModel(bytes, path);
}

export function writeModel(model: ModelProto, path: string): void {
  writeFileSync(path, encodeModel(model));
}

/** Values of the float32 initializer `name`; modelDir (the .onnx file's folder) is needed for external data. */
export function readInitializerFloat32(model: ModelProto, name: string, modelDir?: string): Float32Array {
  const tensor = model.graph?.initializer.find((t) => t.name === name);
  if (tensor === undefined) {
    throw new OnnxGraphError(`The model has no weight named ${name}.`, { tensor: name });
  }
  return tensorToFloat32(tensor, modelDir);
}
