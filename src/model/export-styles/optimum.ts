/**
 * torch.onnx / Hugging Face optimum / transformers.js exports. Nodes are named by torch module scope
 * (`/model/layers.3/input_layernorm/Mul`) and the residual stream is a plain Add between layer scopes; everything
 * is found from who feeds whom, so other prefixes (`/model/language_model/...`) and renumbered Adds work too.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isInScope, nodeScope, type GraphIndex } from '../graph-index.js';
import {
  branchNormOutput,
  layerScope,
  pickDecoderStack,
  stackScope,
  tensorsEnteringScope,
  type DecoderStack,
} from './decoder-scopes.js';
import { DEFAULT_GRAPH_FILE, type ExportStyle, type HookSearch, type LocatedTensors, type Mismatch, type ModelFiles } from './export-style.js';

/** transformers.js dtype suffixes (utils/dtypes.js), fp32-activation variants first: fp16 ones overflow Gemma. */
const TRANSFORMERS_JS_SUFFIXES = ['', '_q4', '_quantized', '_int8', '_uint8', '_bnb4', '_fp16', '_q4f16'];

export const optimumExportStyle: ExportStyle = {
  name: 'optimum',
  description: 'torch.onnx / Hugging Face optimum / transformers.js export (residual stream as plain Add nodes)',
  findFiles: findOptimumFiles,
  locate: locateOptimumHooks,
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
 * resid_post of layer N = the residual sum that layer N+1's input_layernorm reads from outside layer N+1;
 * for the last layer, what the final norm reads. When several tensors enter, the residual one is the one the next
 * layer also adds back (or, for the last layer, the one produced inside layer N).
 */
function residPostTensor(index: GraphIndex, stack: DecoderStack, layer: number): string | Mismatch {
  const isLast = layer === stack.numLayers - 1;
  const normScope = isLast ? stackScope(stack, 'norm') : `${layerScope(stack, layer + 1)}/input_layernorm`;
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
