import { create } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { makeNode, makeValueInfo, OnnxDataType, type ModelProto } from '../../src/model/onnx-graph.js';

/** A valid ONNX model with no decoder in it: one Add of two inputs. */
export function singleAddModel(): ModelProto {
  return create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ domain: '', version: 17n }],
    graph: {
      name: 'single_add',
      node: [makeNode({ opType: 'Add', name: '/Add', inputs: ['x', 'y'], outputs: ['sum'] })],
      input: [makeValueInfo('x', OnnxDataType.FLOAT, [1]), makeValueInfo('y', OnnxDataType.FLOAT, [1])],
      output: [makeValueInfo('sum', OnnxDataType.FLOAT, [1])],
    },
  });
}
