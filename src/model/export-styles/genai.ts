import type { NodeProto } from 'onnx-buf';
import { isInScope, nodeScope, type GraphIndex } from '../graph-index.js';
import type { ExportStyle, ExposedOutput, HookSearch, LocatedTensors } from './export-style.js';
import { cotlabTensor, layerScope, pickDecoderStack, type DecoderStack } from './optimum.js';

/** Fused norms whose optional output 3 is input + skip (+ bias): the residual sum. */
const SKIP_NORMS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);
const RESIDUAL_SUM_OUTPUT = 3;

/**
 * onnxruntime-genai model builder exports: the residual stream is never a node of its own but output 3 of the
 * SkipSimplifiedLayerNormalization that starts the next layer (`/model/layers.{L+1}/input_layernorm/...`). The
 * final norm is built without that output, so the last layer's residual is exposed by adding it to that node.
 */
export const genaiExportStyle: ExportStyle = {
  name: 'genai',
  description: 'onnxruntime-genai model builder export (residual stream as output 3 of SkipSimplifiedLayerNormalization)',
  locate(index: GraphIndex, search: HookSearch): LocatedTensors | { mismatch: string } {
    const skipNorms = index.nodes.filter((node) => SKIP_NORMS.has(node.opType));
    if (skipNorms.length === 0) return { mismatch: 'no SkipSimplifiedLayerNormalization node' };
    const stack = pickDecoderStack(index, search.numLayers);
    if ('mismatch' in stack) return stack;
    const tensors: string[] = [];
    const exposedOutputs: ExposedOutput[] = [];
    for (let layer = 0; layer < stack.numLayers; layer += 1) {
      if (search.hook === 'cotlab') {
        const found = cotlabTensor(index, stack, layer, search);
        if (typeof found !== 'string') return { mismatch: `layer ${layer}: ${found.mismatch}` };
        tensors.push(found);
        continue;
      }
      const norm = residualNorm(index, skipNorms, stack, layer);
      if ('mismatch' in norm) return { mismatch: `layer ${layer}: ${norm.mismatch}` };
      const existing = norm.output[RESIDUAL_SUM_OUTPUT];
      if (existing) {
        tensors.push(existing);
        continue;
      }
      const tensor = `/${nodeScope(norm.name)}/output_${RESIDUAL_SUM_OUTPUT}`;
      exposedOutputs.push({ node: norm.name, outputIndex: RESIDUAL_SUM_OUTPUT, tensor });
      tensors.push(tensor);
    }
    return { tensors, exposedOutputs };
  },
};

/**
 * The skip norm whose residual sum is layer N's output: the one in layer N+1's input_layernorm, or for the last
 * layer the one outside every layer scope that reads what the last layer produced (the final norm).
 */
function residualNorm(
  index: GraphIndex,
  skipNorms: NodeProto[],
  stack: DecoderStack,
  layer: number,
): NodeProto | { mismatch: string } {
  const isLast = layer === stack.numLayers - 1;
  const inLayer = (node: NodeProto, at: number): boolean => isInScope(nodeScope(node.name), layerScope(stack, at));
  const readsLayer = (node: NodeProto): boolean =>
    node.input.some((input) => {
      const producer = input ? index.producerOf(input) : undefined;
      return producer !== undefined && inLayer(producer, layer);
    });
  const outsideLayers = (node: NodeProto): boolean =>
    !Array.from({ length: stack.numLayers }, (_, at) => inLayer(node, at)).some(Boolean);
  const candidates = isLast
    ? skipNorms.filter((node) => outsideLayers(node) && readsLayer(node))
    : skipNorms.filter((node) => isInScope(nodeScope(node.name), `${layerScope(stack, layer + 1)}/input_layernorm`));
  const where = isLast ? 'after the last layer (final norm)' : `in layers.${layer + 1}/input_layernorm`;
  if (candidates.length !== 1) return { mismatch: `${candidates.length} skip norms ${where}, expected 1` };
  return candidates[0] as NodeProto;
}
