import path from 'node:path';
import type { GraphProto } from 'onnx-buf';
import { ModelError } from './errors.js';
import type { ExportStyle, ExposedOutput, FinalNorm, LocatedTensors, Mismatch } from './export-styles/export-style.js';
import { exportStyleDescription, PLAIN_GRAPH_STYLES } from './export-styles/registry.js';
import { GraphIndex } from './graph-index.js';
import type { ModelConfig } from './model-dir.js';
import type { HookPoint } from '../results/capture-points.js';

/** The one-line description of a LocatedHooks source (an export style or hook_map); null for unknown names. */
export function hookSourceDescription(source: string): string | null {
  if (source === 'hook_map') return 'tensor names from the model spec\'s hook_map';
  return exportStyleDescription(source);
}

/**
 * Explicit tensor names per layer (index = layer), for graphs no export style understands; the model spec's
 * `hook_map` (validated in src/config/schemas.ts). Each name is checked against the graph here.
 */
export type HookMap = Partial<Record<HookPoint, string[]>>;

/**
 * What a capture point is, in one sentence for reports (results.json capture.hook_description, EXPERIMENT.md, the
 * HTML report) and `cotlab-wb inspect`; with `model`, in that model's terms (its layer numbers, its CoTLab norm).
 */
export function describeHookPoint(hook: HookPoint, model: { modelType: string; numLayers: number } | null = null): string {
  if (hook === 'resid_post') {
    return 'the residual stream after each decoder layer, raw for every layer (the output of the layer’s last residual Add; TransformerLens blocks.N.hook_resid_post); Hugging Face hidden_states[N+1] for every layer but the last, for which Hugging Face stores the final norm’s output instead';
  }
  if (hook === 'hf_hidden_states') {
    const layers = model === null ? 'layers 0 to L-2, and for the last layer' : `layers 0 to ${model.numLayers - 2}, and for the last layer (${model.numLayers - 1})`;
    return `exactly Hugging Face’s output_hidden_states[N+1]: the residual stream after ${layers} the final norm’s output that the LM head reads (TransformerLens ln_final.hook_normalized)`;
  }
  const norms = model === null ? null : cotlabHookedNorms(model.modelType);
  const which =
    norms === null
      ? 'post_feedforward_layernorm (Gemma) or post_attention_layernorm (Llama/Mistral/Qwen/OLMo)'
      : norms.length === 1
        ? `${norms[0]} (what CoTLab hooks for ${model?.modelType})`
        : `the first of ${norms.join(', ')} the layer has (CoTLab’s fallbacks for ${model?.modelType})`;
  return `CoTLab’s capture point: the output of ${which}, which CoTLab calls the residual stream but is a normalised branch, not the stream itself`;
}

/** describeHookPoint of every capture point, model-independent. */
export const HOOK_POINT_DESCRIPTIONS: Readonly<Record<HookPoint, string>> = {
  resid_post: describeHookPoint('resid_post'),
  hf_hidden_states: describeHookPoint('hf_hidden_states'),
  cotlab: describeHookPoint('cotlab'),
};

export interface LocatedHooks {
  /** The export style that matched, or `hook_map`. */
  source: string;
  /** The tensor of every decoder layer, index = layer. */
  tensors: string[];
  /** Node outputs the capture graph must add before these tensors exist; absent when none. */
  exposedOutputs?: ExposedOutput[];
}

/**
 * The norm modules whose output CoTLab hooks (its RESIDUAL_HOOK_POINTS), in order of preference: the post-MLP
 * norm post_feedforward_layernorm for Gemma, the pre-MLP norm post_attention_layernorm for Llama, Mistral, Qwen
 * and OLMo, then CoTLab's fallbacks for other families.
 */
export function cotlabHookedNorms(modelType: string): readonly string[] {
  if (modelType.startsWith('gemma')) return ['post_feedforward_layernorm'];
  if (['llama', 'mistral', 'qwen2', 'qwen3', 'olmo', 'olmo2'].includes(modelType)) return ['post_attention_layernorm'];
  return ['post_feedforward_layernorm', 'post_attention_layernorm', 'ln_2', 'layer_norm'];
}

export interface LocateOptions {
  /** The model spec's hook_map; its names are used for the hook points it lists. */
  hookMap?: HookMap | null;
  /** Styles to try, in order; default: those for a graph no style had to normalise. */
  styles?: readonly ExportStyle[];
  /** The graph's file, named in errors. */
  graphFile?: string;
}

/**
 * Find the tensor of `hook` for every decoder layer: from the hook map when it names them, else by graph
 * structure, trying the export styles in order. The count must equal config.json's num_hidden_layers.
 */
export function locateHookTensors(graph: GraphProto, config: ModelConfig, hook: HookPoint, options: LocateOptions = {}): LocatedHooks {
  const { hookMap = null, styles = PLAIN_GRAPH_STYLES, graphFile } = options;
  const index = new GraphIndex(graph);
  const where = graphFile === undefined ? {} : { dir: path.dirname(graphFile), file: graphFile };
  const mapped = hookMap?.[hook];
  if (mapped) return { source: 'hook_map', tensors: checkHookMap(index, mapped, hook, config) };
  const mismatches: string[] = [];
  for (const style of styles) {
    const found = locateWith(style, index, hook, config);
    if ('mismatch' in found) {
      mismatches.push(`${style.name}: ${found.mismatch}`);
      continue;
    }
    if (found.tensors.length !== config.numLayers) {
      throw new ModelError(
        `The graph${graphFile === undefined ? '' : ` ${graphFile}`} has ${found.tensors.length} decoder layers (${style.name} layout) but config.json says num_hidden_layers = ${config.numLayers}.`,
        { ...where, field: 'num_hidden_layers' },
      );
    }
    const located: LocatedHooks = { source: style.name, tensors: found.tensors };
    if (found.exposedOutputs.length > 0) located.exposedOutputs = found.exposedOutputs;
    return located;
  }
  throw new ModelError(
    `Cannot locate the ${hook} tensors of the decoder layers in ${graphFile ?? 'this graph'} (${mismatches.join('; ')}). ` +
      `The graph holds ${index.describe()}. Name the tensors with hook_map.${hook} in the model spec.`,
    { ...where, field: `hook_map.${hook}` },
  );
}

/** hf_hidden_states is composed: resid_post for every layer but the last, whose value is the final norm's output. */
function locateWith(style: ExportStyle, index: GraphIndex, hook: HookPoint, config: ModelConfig): LocatedTensors | Mismatch {
  const search = (point: 'resid_post' | 'cotlab') => ({
    hook: point,
    branchNormModules: cotlabHookedNorms(config.modelType),
    numLayers: config.numLayers,
  });
  if (hook !== 'hf_hidden_states') return style.locate(index, search(hook));
  const residPost = style.locate(index, search('resid_post'));
  if ('mismatch' in residPost) return residPost;
  const norm = style.locateFinalNorm(index, config.numLayers);
  if ('mismatch' in norm) return norm;
  const tensors = [...residPost.tensors.slice(0, -1), norm.output];
  return { tensors, exposedOutputs: residPost.exposedOutputs.filter((exposed) => tensors.includes(exposed.tensor)) };
}

/** The decoder's final norm as the first of `styles` that finds it locates it (for HF hidden_states[L] or a logit lens). */
export function locateFinalNorm(
  graph: GraphProto,
  config: ModelConfig,
  options: Omit<LocateOptions, 'hookMap'> = {},
): { source: string; finalNorm: FinalNorm } {
  const { styles = PLAIN_GRAPH_STYLES, graphFile } = options;
  const index = new GraphIndex(graph);
  const mismatches: string[] = [];
  for (const style of styles) {
    const found = style.locateFinalNorm(index, config.numLayers);
    if (!('mismatch' in found)) return { source: style.name, finalNorm: found };
    mismatches.push(`${style.name}: ${found.mismatch}`);
  }
  throw new ModelError(
    `Cannot locate the final norm after the last decoder layer in ${graphFile ?? 'this graph'} (${mismatches.join('; ')}).`,
    graphFile === undefined ? {} : { dir: path.dirname(graphFile), file: graphFile },
  );
}

function checkHookMap(index: GraphIndex, names: string[], hook: HookPoint, config: ModelConfig): string[] {
  if (names.length !== config.numLayers) {
    throw new ModelError(
      `hook_map.${hook} names ${names.length} tensors but the model has ${config.numLayers} layers (one per layer, in order).`,
      { field: `hook_map.${hook}` },
    );
  }
  names.forEach((name, layer) => {
    if (!index.hasTensor(name)) {
      throw new ModelError(`hook_map.${hook}[${layer}] names tensor "${name}", which is not in the graph.`, {
        field: `hook_map.${hook}[${layer}]`,
        tensor: name,
        layer,
      });
    }
  });
  return names;
}
