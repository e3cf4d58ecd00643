/**
 * torch.onnx / Hugging Face optimum / transformers.js exports. Nodes are named by torch module scope
 * (`/model/layers.3/input_layernorm/Mul`) and the residual stream is a plain Add between layer scopes; everything
 * is found from who feeds whom, so other prefixes (`/model/language_model/...`) and renumbered Adds work too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { NodeProto } from 'onnx-buf';
import { isInScope, nodeScope, type GraphIndex } from '../graph-index.js';
import {
  branchNormOutput,
  layerScope,
  nodesInScope,
  pickDecoderStack,
  stackScope,
  tensorsEnteringScope,
  tensorsLeavingScope,
  type DecoderStack,
} from './decoder-scopes.js';
import {
  DEFAULT_GRAPH_FILE,
  type ExportStyle,
  type FinalNorm,
  type HookSearch,
  type LocatedTensors,
  type Mismatch,
  type ModelFiles,
} from './export-style.js';

/** transformers.js dtype suffixes (utils/dtypes.js), fp32-activation variants first: fp16 ones overflow Gemma. */
const TRANSFORMERS_JS_SUFFIXES = ['', '_q4', '_quantized', '_int8', '_uint8', '_bnb4', '_fp16', '_q4f16'];

export const optimumExportStyle: ExportStyle = {
  name: 'optimum',
  description: 'torch.onnx / Hugging Face optimum / transformers.js export (residual stream as plain Add nodes)',
  findFiles: findOptimumFiles,
  locate: locateOptimumHooks,
  locateFinalNorm: locateOptimumFinalNorm,
};

/**
 * model.onnx, else the transformers.js layout onnx/decoder_model_merged{dtype}.onnx or onnx/model{dtype}.onnx,
 * with onnx/embed_tokens{dtype}.onnx beside it when the decoder takes inputs_embeds.
 */
export function findOptimumFiles(dir: string): ModelFiles | null {
  if (existsSync(path.join(dir, DEFAULT_GRAPH_FILE))) {
    return { graphFile: DEFAULT_GRAPH_FILE, embeddingFile: null, genaiConfigFile: null };
  }
  for (const suffix of TRANSFORMERS_JS_SUFFIXES) {
    for (const name of ['decoder_model_merged', 'model']) {
      const graphFile = `onnx/${name}${suffix}.onnx`;
      if (!existsSync(path.join(dir, graphFile))) continue;
      const embeddingFile = `onnx/embed_tokens${suffix}.onnx`;
      return {
        graphFile,
        embeddingFile: existsSync(path.join(dir, embeddingFile)) ? embeddingFile : null,
        genaiConfigFile: null,
      };
    }
  }
  return null;
}

export function locateOptimumHooks(index: GraphIndex, search: HookSearch): LocatedTensors | Mismatch {
  const stack = pickDecoderStack(index, search.numLayers);
  if ('mismatch' in stack) return stack;
  const tensors: string[] = [];
  for (let layer = 0; layer < stack.numLayers; layer += 1) {
    const found =
      search.hook === 'resid_post'
        ? residPostTensor(index, stack, layer)
        : branchNormOutput(index, stack, layer, search.branchNormModules);
    if (typeof found !== 'string') return { mismatch: `layer ${layer}: ${found.mismatch}` };
    tensors.push(found);
  }
  return { tensors, exposedOutputs: [] };
}

/**
 * The final norm is the `norm` scope beside the layers (`/model/norm/...`): what enters it from the last layer is
 * the last residual, the one tensor leaving it is the normed stream, and its rank-1 initializer is the scale
 * (Gemma adds 1 to it in the graph).
 */
export function locateOptimumFinalNorm(index: GraphIndex, numLayers: number): FinalNorm | Mismatch {
  const stack = pickDecoderStack(index, numLayers);
  if ('mismatch' in stack) return stack;
  const scope = stackScope(stack, 'norm');
  const nodes = nodesInScope(index, scope);
  if (nodes.length === 0) return { mismatch: `no "${scope}" scope (the final norm) after the last layer` };
  const input = normInput(index, scope, scope, (tensor) =>
    isInScope(nodeScope(index.producerOf(tensor)?.name ?? ''), layerScope(stack, stack.numLayers - 1)),
  );
  if (typeof input !== 'string') return input;
  const leaving = tensorsLeavingScope(index, scope);
  if (leaving.length !== 1) return { mismatch: `the final norm "${scope}" hands ${leaving.length} tensors on, expected 1` };
  const weight = scaleWeight(index, nodes);
  const inScope = (name: string): boolean => isInScope(nodeScope(name), scope);
  const scalePlusOne = weight !== null && index.consumersOf(weight).some((node) => inScope(node.name) && node.opType === 'Add');
  return { input, output: leaving[0] as string, nodes: nodes.map((node) => node.name), weight, scalePlusOne, exposedOutputs: [] };
}

/** The norm's scale: the rank-1 initializer it reads (the largest if several, e.g. beside a stored epsilon). */
function scaleWeight(index: GraphIndex, nodes: readonly NodeProto[]): string | null {
  const read = [...new Set(nodes.flatMap((node) => node.input))].filter((name) => index.initializerDims.get(name)?.length === 1);
  const size = (name: string): number => index.initializerDims.get(name)?.[0] ?? 0;
  const sorted = read.sort((a, b) => size(b) - size(a));
  if (sorted.length > 1 && size(sorted[0] as string) === size(sorted[1] as string)) return null;
  return sorted[0] ?? null;
}

/**
 * resid_post of layer N = the residual sum that layer N+1's input_layernorm reads from outside layer N+1; for the
 * last layer, what the final norm reads.
 */
function residPostTensor(index: GraphIndex, stack: DecoderStack, layer: number): string | Mismatch {
  if (layer === stack.numLayers - 1) {
    const norm = locateOptimumFinalNorm(index, stack.numLayers);
    return 'mismatch' in norm ? norm : norm.input;
  }
  const normScope = `${layerScope(stack, layer + 1)}/input_layernorm`;
  const outer = layerScope(stack, layer + 1);
  // The residual is the tensor the next layer also adds back (rotary tensors or hoisted constants may enter too).
  return normInput(index, normScope, outer, (tensor) =>
    index.consumersOf(tensor).some((node) => {
      const scope = nodeScope(node.name);
      return isInScope(scope, outer) && !isInScope(scope, normScope);
    }),
  );
}

/** The one tensor entering a norm scope from outside `outer`; when several do, the one `preferred` picks. */
function normInput(index: GraphIndex, normScope: string, outer: string, preferred: (tensor: string) => boolean): string | Mismatch {
  const candidates = tensorsEnteringScope(index, normScope, outer);
  if (candidates.length === 1) return candidates[0] as string;
  if (candidates.length === 0) return { mismatch: `nothing enters "${normScope}" from outside` };
  const picked = candidates.filter(preferred);
  if (picked.length === 1) return picked[0] as string;
  return { mismatch: `"${normScope}" reads ${candidates.length} tensors from outside (${candidates.join(', ')})` };
}
