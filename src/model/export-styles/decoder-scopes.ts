/**
 * Structure shared by exports that name nodes by torch module scope (`/model/layers.3/input_layernorm/Mul`, the
 * genai builder's `/model/layers.3/input_layernorm/SkipLayerNorm`): the decoder's layer stack and the tensors
 * that enter or leave a module scope. Export styles build on these; this file is not a style.
 */
import type { NodeProto } from 'onnx-buf';
import { isInScope, nodeScope, type GraphIndex } from '../graph-index.js';
import type { Mismatch } from './export-style.js';

/** The decoder's layer stack: the scope holding `layers.N` (e.g. `model`) and how many layers it has. */
export interface DecoderStack {
  parent: string;
  numLayers: number;
}

const LAYER_SEGMENT = /^layers\.(\d+)$/;

/** The stack of `layers.N` scopes that have an input_layernorm; the one with config.json's layer count if several. */
export function pickDecoderStack(index: GraphIndex, configLayers: number): DecoderStack | Mismatch {
  // A multimodal graph may hold a vision tower with its own layers.N; keep stacks whose layers have input_layernorm.
  const layersByParent = new Map<string, Set<number>>();
  for (const node of index.nodes) {
    const segments = nodeScope(node.name).split('/');
    const at = segments.findIndex((segment) => LAYER_SEGMENT.test(segment));
    if (at < 0 || segments[at + 1] !== 'input_layernorm') continue;
    const parent = segments.slice(0, at).join('/');
    const layer = Number(LAYER_SEGMENT.exec(segments[at] ?? '')?.[1]);
    const set = layersByParent.get(parent) ?? new Set<number>();
    set.add(layer);
    layersByParent.set(parent, set);
  }
  if (layersByParent.size === 0) return { mismatch: 'no node sits in a `layers.N/input_layernorm` scope' };
  const stacks = [...layersByParent.entries()].map(([parent, layers]) => ({ parent, layers }));
  const chosen =
    stacks.find((stack) => stack.layers.size === configLayers) ??
    stacks.reduce((best, stack) => (stack.layers.size > best.layers.size ? stack : best));
  const numLayers = chosen.layers.size;
  for (let layer = 0; layer < numLayers; layer += 1) {
    if (!chosen.layers.has(layer)) {
      return { mismatch: `layer scopes under "${chosen.parent}" are not numbered 0..${numLayers - 1} (no layers.${layer})` };
    }
  }
  return { parent: chosen.parent, numLayers };
}

export function layerScope(stack: DecoderStack, layer: number): string {
  return stack.parent === '' ? `layers.${layer}` : `${stack.parent}/layers.${layer}`;
}

/** A scope beside the layers, e.g. the final `norm` of an optimum export: `model/norm`. */
export function stackScope(stack: DecoderStack, name: string): string {
  return stack.parent === '' ? name : `${stack.parent}/${name}`;
}

export function nodesInScope(index: GraphIndex, scope: string): NodeProto[] {
  return index.nodes.filter((node) => isInScope(nodeScope(node.name), scope));
}

/**
 * Tensors a scope reads from the rest of the graph: node outputs produced outside `outer`, excluding weights and
 * Constant nodes (torch.onnx may hoist shared constants out of the module).
 */
export function tensorsEnteringScope(index: GraphIndex, scope: string, outer: string): string[] {
  const entering = new Set<string>();
  for (const node of nodesInScope(index, scope)) {
    for (const input of node.input) {
      const producer = input ? index.producerOf(input) : undefined;
      if (!producer || producer.opType === 'Constant') continue;
      if (!isInScope(nodeScope(producer.name), outer)) entering.add(input);
    }
  }
  return [...entering];
}

/** Tensors produced inside `scope` that something outside it reads (or that are graph outputs). */
export function tensorsLeavingScope(index: GraphIndex, scope: string): string[] {
  const leaving = new Set<string>();
  for (const node of nodesInScope(index, scope)) {
    for (const output of node.output) {
      if (!output) continue;
      const readOutside = index.consumersOf(output).some((consumer) => !isInScope(nodeScope(consumer.name), scope));
      if (readOutside || index.outputs.includes(output)) leaving.add(output);
    }
  }
  return [...leaving];
}

/**
 * The output of a norm inside layer N's residual branch (what CoTLab hooks): the one tensor that leaves
 * `layers.N/<module>` for the first of `modules` the layer has (post_feedforward_layernorm for Gemma,
 * post_attention_layernorm for Llama-family models).
 */
export function branchNormOutput(
  index: GraphIndex,
  stack: DecoderStack,
  layer: number,
  modules: readonly string[],
): string | Mismatch {
  const base = layerScope(stack, layer);
  const module = modules.find((name) => nodesInScope(index, `${base}/${name}`).length > 0);
  if (module === undefined) return { mismatch: `no ${modules.join(' or ')} scope under "${base}"` };
  const scope = `${base}/${module}`;
  const leaving = tensorsLeavingScope(index, scope);
  if (leaving.length === 1) return leaving[0] as string;
  return { mismatch: `"${scope}" hands ${leaving.length} tensors to the rest of the graph, expected 1` };
}
