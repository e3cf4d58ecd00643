/**
 * onnxruntime-genai model builder exports: genai_config.json names the graph files, and the residual stream is never
 * a node of its own but output 3 of the SkipSimplifiedLayerNormalization that starts the next layer
 * (`/model/layers.{L+1}/input_layernorm/...`). The final norm is built without that output, so the last layer's
 * residual is exposed by adding it to that node.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { NodeProto } from 'onnx-buf';
import { z } from 'zod';
import { ModelError } from '../errors.js';
import { isInScope, nodeScope, type GraphIndex } from '../graph-index.js';
import { readModelJsonFile } from '../json-file.js';
import { branchNormOutput, layerScope, pickDecoderStack, type DecoderStack } from './decoder-scopes.js';
import type { ExportStyle, ExposedOutput, FinalNorm, HookSearch, LocatedTensors, Mismatch, ModelFiles } from './export-style.js';

const GENAI_CONFIG_FILE = 'genai_config.json';

const GenaiConfigSchema = z.object({
  model: z.object({
    decoder: z.object({ filename: z.string().min(1) }),
    embedding: z.object({ filename: z.string().min(1) }).optional(),
  }),
});

/** Fused norms whose optional output 3 is input + skip (+ bias): the residual sum. */
const SKIP_NORMS = new Set(['SkipSimplifiedLayerNormalization', 'SkipLayerNormalization']);
const RESIDUAL_SUM_OUTPUT = 3;

export const genaiExportStyle: ExportStyle = {
  name: 'genai',
  description: 'onnxruntime-genai model builder export (residual stream as output 3 of SkipSimplifiedLayerNormalization)',
  findFiles: findGenaiFiles,
  locate: locateGenaiHooks,
  locateFinalNorm: locateGenaiFinalNorm,
};

/** The decoder and embedding graphs genai_config.json names; null when the folder has no genai_config.json. */
function findGenaiFiles(dir: string): ModelFiles | null {
  const configPath = path.join(dir, GENAI_CONFIG_FILE);
  if (!existsSync(configPath)) return null;
  const parsed = GenaiConfigSchema.safeParse(readModelJsonFile(configPath));
  if (!parsed.success) {
    const field = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new ModelError(`${configPath}: field "${field}" is missing or invalid.`, { file: configPath, field });
  }
  const { decoder, embedding } = parsed.data.model;
  return { graphFile: decoder.filename, embeddingFile: embedding?.filename ?? null, genaiConfigFile: GENAI_CONFIG_FILE };
}

function locateGenaiHooks(index: GraphIndex, search: HookSearch): LocatedTensors | Mismatch {
  const skipNorms = index.nodes.filter((node) => SKIP_NORMS.has(node.opType));
  if (skipNorms.length === 0) return { mismatch: 'no SkipSimplifiedLayerNormalization node' };
  const stack = pickDecoderStack(index, search.numLayers);
  if ('mismatch' in stack) return stack;
  const tensors: string[] = [];
  const exposedOutputs: ExposedOutput[] = [];
  for (let layer = 0; layer < stack.numLayers; layer += 1) {
    if (search.hook === 'cotlab') {
      const found = branchNormOutput(index, stack, layer, search.branchNormModules);
      if (typeof found !== 'string') return { mismatch: `layer ${layer}: ${found.mismatch}` };
      tensors.push(found);
      continue;
    }
    const norm = residualNorm(index, skipNorms, stack, layer);
    if ('mismatch' in norm) return { mismatch: `layer ${layer}: ${norm.mismatch}` };
    const sum = residualSum(norm);
    tensors.push(sum.tensor);
    if (sum.exposed) exposedOutputs.push(sum.exposed);
  }
  return { tensors, exposedOutputs };
}

/**
 * The final norm is the skip norm after the last layer (`/model/layers.{L}/final_norm_layernorm/SkipLayerNorm`):
 * its residual sum (output 3, exposed by the capture edit) is the last residual, its output 0 the normed stream,
 * and its input 2 the scale, in which the builder has already folded Gemma's 1 + w.
 */
function locateGenaiFinalNorm(index: GraphIndex, numLayers: number): FinalNorm | Mismatch {
  const skipNorms = index.nodes.filter((node) => SKIP_NORMS.has(node.opType));
  if (skipNorms.length === 0) return { mismatch: 'no SkipSimplifiedLayerNormalization node' };
  const stack = pickDecoderStack(index, numLayers);
  if ('mismatch' in stack) return stack;
  const norm = residualNorm(index, skipNorms, stack, stack.numLayers - 1);
  if ('mismatch' in norm) return norm;
  const output = norm.output[0];
  if (!output) return { mismatch: `the final norm ${norm.name} has no output 0` };
  const sum = residualSum(norm);
  const weight = norm.input[2] && index.initializers.has(norm.input[2]) ? norm.input[2] : null;
  return {
    input: sum.tensor,
    output,
    nodes: [norm.name],
    weight,
    scalePlusOne: false,
    exposedOutputs: sum.exposed ? [sum.exposed] : [],
  };
}

/** A skip norm's residual sum: its output 3, or the name that output gets when the capture edit exposes it. */
function residualSum(norm: NodeProto): { tensor: string; exposed: ExposedOutput | null } {
  const existing = norm.output[RESIDUAL_SUM_OUTPUT];
  if (existing) return { tensor: existing, exposed: null };
  const tensor = `/${nodeScope(norm.name)}/output_${RESIDUAL_SUM_OUTPUT}`;
  return { tensor, exposed: { node: norm.name, outputIndex: RESIDUAL_SUM_OUTPUT, tensor } };
}

/**
 * The skip norm whose residual sum is layer N's output: the one in layer N+1's input_layernorm, or for the last
 * layer the one outside every layer scope that reads what the last layer produced (the final norm).
 */
function residualNorm(
  index: GraphIndex,
  skipNorms: NodeProto[],
  stack: DecoderStack,
  layer: number,
): NodeProto | Mismatch {
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
