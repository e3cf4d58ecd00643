/**
 * Wraps a decoder the way older Hugging Face Optimum exports write `decoder_model_merged.onnx`: a bool input
 * `use_cache_branch` [1] and one If node whose branches each hold the whole decoder (then_branch: later passes,
 * with past; else_branch: the first pass). The outer graph keeps the large shared weights, as Optimum's merge
 * deduplicates them; the norm weights are copied into each branch, so branch-local initializers exist too.
 */
import { create } from '@bufbuild/protobuf';
import { AttributeProtoSchema, AttributeProto_AttributeType, GraphProtoSchema } from 'onnx-buf';
import type { GraphProto, ModelProto, NodeProto } from '../../src/model/onnx-graph.js';
import { OnnxDataType, makeNode, makeValueInfo } from '../../src/model/onnx-graph.js';

export const USE_CACHE_BRANCH_INPUT = 'use_cache_branch';

/** Weights each branch carries itself; everything else is read from the outer graph. */
function isBranchLocal(name: string): boolean {
  return name.endsWith('norm.weight');
}

/**
 * One branch: the decoder's nodes with its graph outputs renamed `<output><suffix>` (a subgraph may not define a
 * name of its outer scope, and the If's outputs take the plain names).
 */
function branch(graph: GraphProto, name: string, suffix: string): GraphProto {
  const outputs = new Set(graph.output.map((output) => output.name));
  const rename = (tensor: string): string => (outputs.has(tensor) ? `${tensor}${suffix}` : tensor);
  const node = graph.node.map(
    (original): NodeProto => ({ ...original, input: original.input.map(rename), output: original.output.map(rename) }),
  );
  return create(GraphProtoSchema, {
    name,
    node,
    initializer: graph.initializer.filter((tensor) => isBranchLocal(tensor.name)),
    output: graph.output.map((output) => ({ ...output, name: rename(output.name) })),
  });
}

export function wrapInUseCacheIf(model: ModelProto): ModelProto {
  const graph = model.graph;
  if (!graph) throw new Error('The demo decoder has no graph to wrap.');
  const graphAttr = (name: string, g: GraphProto) =>
    create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.GRAPH, g });
  const ifNode = makeNode({
    opType: 'If',
    name: 'optimum::if',
    inputs: [USE_CACHE_BRANCH_INPUT],
    outputs: graph.output.map((output) => output.name),
    attributes: [
      graphAttr('then_branch', branch(graph, 'with_past', '_with_past')),
      graphAttr('else_branch', branch(graph, 'no_past', '_no_past')),
    ],
  });
  return {
    ...model,
    graph: {
      ...graph,
      node: [ifNode],
      initializer: graph.initializer.filter((tensor) => !isBranchLocal(tensor.name)),
      input: [...graph.input, makeValueInfo(USE_CACHE_BRANCH_INPUT, OnnxDataType.BOOL, [1])],
    },
  };
}
