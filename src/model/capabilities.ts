/**
 * What a decoder graph can do beyond capture: generate (it has an LM head after a final norm the workbench can
 * reuse), decode one token per pass (a KV cache: present.* outputs for every past input), and a logit lens. A model
 * without them still captures activations; the capabilities say which experiments it can run.
 */
import type { DecoderGraph } from './decoder-graph.js';
import { ModelError } from './errors.js';
import type { ExposedOutput } from './export-styles/export-style.js';
import { GraphIndex } from './graph-index.js';
import { locateHead, type HeadSpec } from './head-graph.js';
import { locateFinalNorm } from './hook-points.js';
import type { ModelDirectory } from './model-dir.js';

export type ExperimentKind = 'activation_compare' | 'classification' | 'logit_lens';

export interface ModelCapabilities {
  /** The final norm and LM head, reusable in the edited graph; null when the model has none the workbench finds. */
  head: HeadSpec | null;
  /** Node outputs the head needs exposed first (genai's last residual sum). */
  headExposedOutputs: ExposedOutput[];
  /** The export style that located the final norm; null when none did. */
  normSource: string | null;
  /** Past input -> present output; null when the graph has no complete KV cache. */
  cache: Map<string, string> | null;
  /** One line per missing capability, saying what follows from it. */
  notes: string[];
  /** The experiments this model can run. */
  experiments: ExperimentKind[];
}

const PAST = /^(?:past_key_values|past)\.(\d+)\.(key|value)$/;

/** Each past input with the present output that feeds it; null when there are none or one lacks its present. */
export function kvCacheOf(inputs: readonly string[], outputs: readonly string[]): Map<string, string> | null {
  const cache = new Map<string, string>();
  for (const input of inputs) {
    const match = PAST.exec(input);
    if (!match) continue;
    const [, layer, kind] = match;
    const present = [`present.${layer}.${kind}`, `present_key_values.${layer}.${kind}`].find((name) => outputs.includes(name));
    if (present === undefined) return null;
    cache.set(input, present);
  }
  return cache.size > 0 ? cache : null;
}

export function modelCapabilities(decoder: DecoderGraph, modelDir: ModelDirectory): ModelCapabilities {
  const index = new GraphIndex(decoder.graph);
  const notes: string[] = [];
  let head: HeadSpec | null = null;
  let headExposedOutputs: ExposedOutput[] = [];
  let normSource: string | null = null;
  try {
    const { source, finalNorm: norm } = locateFinalNorm(decoder.graph, modelDir.config, { styles: decoder.styles, graphFile: decoder.graphPath });
    normSource = source;
    const located = locateHead(index, norm);
    if ('mismatch' in located) notes.push(`No LM head to generate with: ${located.mismatch}.`);
    else {
      head = located;
      headExposedOutputs = norm.exposedOutputs;
    }
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    notes.push(`No LM head to generate with: ${err.message}`);
  }
  const cache = kvCacheOf(index.inputs, index.outputs);
  if (head !== null && cache === null) {
    notes.push('No KV cache (past_key_values inputs with present outputs): generation recomputes the whole sequence for every new token, which is slow for long answers.');
  }
  const experiments: ExperimentKind[] = ['activation_compare', ...(head === null ? [] : (['classification', 'logit_lens'] as const))];
  if (head === null) {
    notes.push('This model can run activation_compare only (classification, logit_lens and experiment.record_answers need the LM head).');
  }
  return { head, headExposedOutputs, normSource, cache, notes, experiments };
}
