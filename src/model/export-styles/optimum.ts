import type { NodeProto } from 'onnx-buf';
import { isInScope, nodeScope, type GraphIndex } from '../graph-index.js';
import type { ExportStyle, HookSearch, LocatedTensors } from './export-style.js';

/**
 * optimum / torch.onnx exports: nodes are named by torch module scope, e.g. `/model/layers.3/input_layernorm/Mul`,
 * and the residual stream is a plain Add between layer scopes. Everything is found from who feeds whom, so other
 * prefixes (`/model/language_model/...`) and renumbered Add nodes work too.
 */
export const optimumExportStyle: ExportStyle = {
  name: 'optimum',
  description: 'torch.onnx / Hugging Face optimum / transformers.js export (residual stream as plain Add nodes)',
  locate(index: GraphIndex, search: HookSearch): LocatedTensors | { mismatch: string } {
    const stack = pickDecoderStack(index, search.numLayers);
    if ('mismatch' in stack) return stack;
    const tensors: string[] = [];
    for (let layer = 0; layer < stack.numLayers; layer += 1) {
      const found =
        search.hook === 'resid_post' ? residPostTensor(index, stack, layer) : cotlabTensor(index, stack, layer, search);
      if (typeof found !== 'string') return { mismatch: `layer ${layer}: ${found.mismatch}` };
      tensors.push(found);
    }
    return { tensors, exposedOutputs: [] };
  },
};

/** The decoder's layer stack: the scope holding `layers.N` (e.g. `model`) and how many layers it has. */
export interface DecoderStack {
  parent: string;
  numLayers: number;
}

const LAYER_SEGMENT = /^layers\.(\d+)$/;

export function pickDecoderStack(index: GraphIndex, configLayers: number): DecoderStack | { mismatch: string } {
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

function nodesInScope(index: GraphIndex, scope: string): NodeProto[] {
  return index.nodes.filter((node) => isInScope(nodeScope(node.name), scope));
}

/**
 * Tensors a scope reads from the rest of the graph: node outputs produced outside `outer`, excluding weights and
 * Constant nodes (torch.onnx may hoist shared constants out of the module).
 */
function tensorsEnteringScope(index: GraphIndex, scope: string, outer: string): string[] {
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

/**
 * resid_post of layer N = the residual sum that layer N+1's input_layernorm reads from outside layer N+1;
 * for the last layer, what the final norm reads. When several tensors enter, the residual one is the one the next
 * layer also adds back (or, for the last layer, the one produced inside layer N).
 */
function residPostTensor(index: GraphIndex, stack: DecoderStack, layer: number): string | { mismatch: string } {
  const prefix = stack.parent === '' ? '' : `${stack.parent}/`;
  const isLast = layer === stack.numLayers - 1;
  const normScope = isLast ? `${prefix}norm` : `${layerScope(stack, layer + 1)}/input_layernorm`;
  const outer = isLast ? normScope : layerScope(stack, layer + 1);
  const candidates = tensorsEnteringScope(index, normScope, outer);
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length === 0) return { mismatch: `nothing enters "${normScope}" from outside` };
  const preferred = candidates.filter((tensor) =>
    isLast
      ? isInScope(nodeScope(index.producerOf(tensor)?.name ?? ''), layerScope(stack, layer))
      : index.consumersOf(tensor).some((node) => {
          const scope = nodeScope(node.name);
          return isInScope(scope, outer) && !isInScope(scope, normScope);
        }),
  );
  if (preferred.length === 1) return preferred[0] as string;
  return { mismatch: `"${normScope}" reads ${candidates.length} tensors from outside (${candidates.join(', ')})` };
}

/** cotlab of layer N = the tensor produced inside layer N's chosen norm scope and read outside it. */
export function cotlabTensor(
  index: GraphIndex,
  stack: DecoderStack,
  layer: number,
  search: HookSearch,
): string | { mismatch: string } {
  const base = layerScope(stack, layer);
  const module = search.cotlabModules.find((name) => nodesInScope(index, `${base}/${name}`).length > 0);
  if (module === undefined) return { mismatch: `no ${search.cotlabModules.join(' or ')} scope under "${base}"` };
  const scope = `${base}/${module}`;
  const leaving = new Set<string>();
  for (const node of nodesInScope(index, scope)) {
    for (const output of node.output) {
      if (!output) continue;
      const readOutside = index.consumersOf(output).some((consumer) => !isInScope(nodeScope(consumer.name), scope));
      if (readOutside || index.outputs.includes(output)) leaving.add(output);
    }
  }
  if (leaving.size === 1) return [...leaving][0] as string;
  return { mismatch: `"${scope}" hands ${leaving.size} tensors to the rest of the graph, expected 1` };
}
