/**
 * The export styles the workbench understands, in the order they are tried. Adding a style is one module in this
 * folder plus one line here. genai comes first: its graphs also have `layers.N/input_layernorm` scopes, but only it
 * knows the fused skip norms; optimum-merged claims the graphs it normalises before plain optimum sees them.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { ModelProto } from '../onnx-graph.js';
import type { ExportStyle, ModelFiles } from './export-style.js';
import { genaiExportStyle } from './genai.js';
import { optimumMergedExportStyle } from './optimum-merged.js';
import { optimumExportStyle } from './optimum.js';

export const EXPORT_STYLES: readonly ExportStyle[] = [genaiExportStyle, optimumMergedExportStyle, optimumExportStyle];

/** The graph files of a model folder by the first style whose file layout it has; null when it has none. */
export function findModelFiles(absDir: string): ModelFiles | null {
  for (const style of EXPORT_STYLES) {
    const files = style.findFiles?.(absDir) ?? null;
    if (files) return files;
  }
  return null;
}

/** The styles tried on a graph that no style had to normalise. */
export const PLAIN_GRAPH_STYLES: readonly ExportStyle[] = EXPORT_STYLES.filter((style) => style.normalise === undefined);

/** A decoder graph as the hook search and the capture edit see it, and the styles that may locate its hooks. */
export interface NormalisedDecoder {
  model: ModelProto;
  styles: readonly ExportStyle[];
}

/** What a decoder is read for: capture only (prefill passes), or generation too (passes with a KV cache). */
export type DecoderPurpose = 'capture' | 'generation';

/**
 * The file's decoder normalised by the first style that claims it (then only that style is tried), else as it is.
 * For generation a style may normalise differently (a merged decoder's with-past branch).
 */
export function normaliseDecoder(model: ModelProto, purpose: DecoderPurpose = 'capture'): NormalisedDecoder {
  for (const style of EXPORT_STYLES) {
    const normalised = style.normalise?.(model) ?? null;
    if (!normalised) continue;
    const forGeneration = purpose === 'generation' ? (style.normaliseForGeneration?.(model) ?? null) : null;
    return { model: forGeneration ?? normalised, styles: [style] };
  }
  return { model, styles: PLAIN_GRAPH_STYLES };
}

/** A style's value for a graph input the generic prefill feeds do not know; null when no style knows it. */
export function styleFeed(input: InferenceSession.ValueMetadata): Tensor | null {
  for (const style of EXPORT_STYLES) {
    const value = style.feed?.(input) ?? null;
    if (value) return value;
  }
  return null;
}

/** The one-line description of an export style; null for unknown names. */
export function exportStyleDescription(name: string): string | null {
  return EXPORT_STYLES.find((style) => style.name === name)?.description ?? null;
}
