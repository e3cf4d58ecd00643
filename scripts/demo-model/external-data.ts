/**
 * Moves a model's initializers into one external data file, the layout `onnx.save_model(...,
 * save_as_external_data=True)` writes: each tensor gets location/offset/length entries, with the location
 * relative to the .onnx file's folder.
 */
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import type { ModelProto } from '../../src/model/onnx-graph.js';

/** onnx.save_model's default: smaller tensors stay inside the graph file. */
export const EXTERNAL_DATA_SIZE_THRESHOLD = 1024;

/**
 * Returns the bytes of the data file and rewrites the model's large initializers to point into it at `location`.
 */
export function externalizeInitializers(
  model: ModelProto,
  location: string,
  sizeThreshold = EXTERNAL_DATA_SIZE_THRESHOLD,
): Uint8Array {
  const graph = model.graph;
  if (graph === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  graph.initializer = graph.initializer.map((tensor) => {
    if (tensor.rawData.length < sizeThreshold) return tensor;
    const length = tensor.rawData.length;
    chunks.push(tensor.rawData);
    const external = create(TensorProtoSchema, {
      name: tensor.name,
      dims: tensor.dims,
      dataType: tensor.dataType,
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
    offset += length;
    return external;
  });
  const data = new Uint8Array(offset);
  let position = 0;
  for (const chunk of chunks) {
    data.set(chunk, position);
    position += chunk.length;
  }
  return data;
}
