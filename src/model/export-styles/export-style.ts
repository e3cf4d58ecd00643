import type { GraphIndex } from '../graph-index.js';
import type { HookPoint } from '../../results/capture-points.js';

/** What an export style is asked to find. */
export interface HookSearch {
  hook: HookPoint;
  /** Sub-module names CoTLab would hook for `cotlab`, in order of preference (e.g. post_feedforward_layernorm). */
  cotlabModules: readonly string[];
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

/** One way a converter lays out a decoder graph (optimum/torch.onnx, onnxruntime-genai, ...). */
export interface ExportStyle {
  name: string;
  /** A one-line description for `cotlab-wb inspect`. */
  description: string;
  /** The hook tensors, or why this style does not fit the graph. Must not throw for graphs of other styles. */
  locate(index: GraphIndex, search: HookSearch): LocatedTensors | { mismatch: string };
}
