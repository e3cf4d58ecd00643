import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { GraphIndex } from '../graph-index.js';
import type { ModelProto } from '../onnx-graph.js';
import type { HookPoint } from '../../results/capture-points.js';

/** The decoder graph file when no export style's layout says otherwise. */
export const DEFAULT_GRAPH_FILE = 'model.onnx';

/** The graph files of a model folder, relative to it. */
export interface ModelFiles {
  graphFile: string;
  /** A separate embedding graph (input_ids -> inputs_embeds) when the decoder takes inputs_embeds; else null. */
  embeddingFile: string | null;
  /** genai_config.json of an onnxruntime-genai export; else null. */
  genaiConfigFile: string | null;
}

/** What an export style is asked to find. */
export interface HookSearch {
  /** resid_post or cotlab; other hook points are composed from these and the final norm (src/model/hook-points.ts). */
  hook: Extract<HookPoint, 'resid_post' | 'cotlab'>;
  /** For cotlab: the sub-module whose output is taken (e.g. post_feedforward_layernorm), in order of preference. */
  branchNormModules: readonly string[];
  /** num_hidden_layers from config.json, used to pick the decoder when a graph holds several layer stacks. */
  numLayers: number;
}

/**
 * A node output the graph edit must add before the tensor can be read: some exports compute a tensor inside a
 * fused node but do not emit it (onnxruntime-genai's final SkipSimplifiedLayerNormalization computes the last
 * residual sum as its optional output 3 and leaves that output off).
 */
export interface ExposedOutput {
  /** Name of the node that gains the output. */
  node: string;
  outputIndex: number;
  /** Name given to the new output tensor. */
  tensor: string;
}

/** The hook tensor of every decoder layer (index = layer) and the node outputs to expose first. */
export interface LocatedTensors {
  tensors: string[];
  exposedOutputs: ExposedOutput[];
}

/**
 * The decoder's final norm, located so it can be reused: HF hidden_states[L] is its output, and a logit lens applies
 * it (then the LM head) to any layer's residual stream.
 */
export interface FinalNorm {
  /** The raw residual stream after the last layer, as the norm reads it (TransformerLens blocks.{L-1}.hook_resid_post). */
  input: string;
  /** The normed stream the LM head reads (HF hidden_states[L], TransformerLens ln_final.hook_normalized). */
  output: string;
  /** The nodes that compute the norm, in graph order. */
  nodes: string[];
  /** The initializer holding the norm's scale; null when the norm reads none it can name. */
  weight: string | null;
  /** True when the graph scales by (1 + weight), as torch exports of Gemma do; false when by weight itself. */
  scalePlusOne: boolean;
  /** Node outputs the capture edit must add before `input` exists (genai); empty when none. */
  exposedOutputs: ExposedOutput[];
}

/** Why a style does not fit a graph, in a few words for the error message that lists every style tried. */
export interface Mismatch {
  mismatch: string;
}

/**
 * One way a converter writes a decoder (optimum/torch.onnx, onnxruntime-genai, ...): everything the workbench
 * knows about it lives in its module under src/model/export-styles/, registered in registry.ts.
 */
export interface ExportStyle {
  name: string;
  /** A one-line description for `cotlab-wb inspect`. */
  description: string;
  /**
   * File layout: the graph files this converter writes, when `dir` (absolute) holds them; null when it holds none.
   * Left out by a style that shares another's layout. Throws a ModelError for a layout file it cannot read.
   */
  findFiles?(dir: string): ModelFiles | null;
  /**
   * Normalisation: when the file wraps the decoder in a way only this style understands, the plain prefill
   * decoder (the capture edit and the hook search work on it); null for every other graph. A style with
   * `normalise` is the only one tried on graphs it normalised, and is not tried on any other graph.
   */
  normalise?(model: ModelProto): ModelProto | null;
  /**
   * Normalisation for generation, when it differs: the decoder that also takes later passes with a KV cache (a merged
   * decoder's with-past branch, fed an empty cache on the prefill). Absent: `normalise` serves both.
   */
  normaliseForGeneration?(model: ModelProto): ModelProto | null;
  /** Hook location: the tensors of every layer, or why this style does not fit. Must not throw for other styles. */
  locate(index: GraphIndex, search: HookSearch): LocatedTensors | Mismatch;
  /** The final norm after the last decoder layer, or why this style does not find it. Must not throw either. */
  locateFinalNorm(index: GraphIndex, numLayers: number): FinalNorm | Mismatch;
  /**
   * Feed quirks: the value of a graph input of the unedited file that the generic prefill feeds (input_ids,
   * attention_mask, position_ids, empty past_key_values) do not cover; null when the input is not this style's.
   */
  feed?(input: InferenceSession.ValueMetadata): Tensor | null;
}
