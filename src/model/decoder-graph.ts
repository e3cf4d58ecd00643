/** A model folder's decoder graph read from disk, checked and normalised for the hook search and the capture edit. */
import { readFileSync } from 'node:fs';
import { ModelError } from './errors.js';
import type { ExportStyle, FinalNorm } from './export-styles/export-style.js';
import { normaliseDecoder, type DecoderPurpose } from './export-styles/registry.js';
import { GraphIndex } from './graph-index.js';
import { locateFinalNorm, locateHookTensors, type HookMap, type LocatedHooks } from './hook-points.js';
import { externalDataFiles, type ModelDirectory } from './model-dir.js';
import { decodeModel, type GraphProto, type ModelProto } from './onnx-graph.js';
import type { HookPoint } from '../results/capture-points.js';

export interface DecoderGraph {
  /** Absolute path of the graph file. */
  graphPath: string;
  /** The file's bytes: the capture-graph cache key. */
  bytes: Uint8Array;
  /** The model as the file holds it (its inputs and outputs are what a caller of the unedited file feeds and gets). */
  file: ModelProto;
  /** The decoder the hooks are searched in and the capture edit works on (a merged decoder's prefill branch inlined). */
  model: ModelProto;
  graph: GraphProto;
  /** The export styles that may locate hooks in `graph`. */
  styles: readonly ExportStyle[];
  /** External weight files the graph points at, absolute; every one exists. */
  externalDataFiles: string[];
}

/** The decoder in `graphPath`, normalised for capture only or for generation as well (see normaliseDecoder). */
export function readDecoderGraph(graphPath: string, purpose: DecoderPurpose = 'capture'): DecoderGraph {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(graphPath);
  } catch (err) {
    throw new ModelError(`Cannot read ${graphPath}: ${(err as Error).message}`, { file: graphPath }, { cause: err });
  }
  let file: ModelProto;
  try {
    file = decodeModel(bytes, graphPath);
  } catch (err) {
    throw new ModelError((err as Error).message, { file: graphPath }, { cause: err });
  }
  const external = externalDataFiles(file, graphPath);
  const { model, styles } = normaliseDecoder(file, purpose);
  if (!model.graph) throw new ModelError(`${graphPath} holds no graph.`, { file: graphPath });
  return { graphPath, bytes, file, model, graph: model.graph, styles, externalDataFiles: external };
}

/** The same file's decoder normalised for another purpose (a merged decoder's with-past branch for generation). */
export function decoderFor(decoder: DecoderGraph, purpose: DecoderPurpose): DecoderGraph {
  const { model, styles } = normaliseDecoder(decoder.file, purpose);
  if (!model.graph) throw new ModelError(`${decoder.graphPath} holds no graph.`, { file: decoder.graphPath });
  return { ...decoder, model, graph: model.graph, styles };
}

/** The tensor of `hook` for every layer of the decoder (see locateHookTensors); errors name the graph file. */
export function locateDecoderHooks(decoder: DecoderGraph, modelDir: ModelDirectory, hook: HookPoint, hookMap: HookMap | null): LocatedHooks {
  return locateHookTensors(decoder.graph, modelDir.config, hook, { hookMap, styles: decoder.styles, graphFile: decoder.graphPath });
}

/** The decoder's final norm as its export style locates it; errors name the graph file. */
export function locateDecoderFinalNorm(decoder: DecoderGraph, modelDir: ModelDirectory): FinalNorm {
  return locateFinalNorm(decoder.graph, modelDir.config, { styles: decoder.styles, graphFile: decoder.graphPath }).finalNorm;
}

/**
 * Throws when config.json's hidden_size contradicts the graph: the width of the final norm's scale weight is the
 * width of the residual stream. Graphs whose final norm or its weight cannot be found are not checked.
 */
export function checkHiddenSize(decoder: DecoderGraph, modelDir: ModelDirectory): void {
  let norm: FinalNorm;
  try {
    norm = locateDecoderFinalNorm(decoder, modelDir);
  } catch (err) {
    if (err instanceof ModelError) return;
    throw err;
  }
  const dims = norm.weight === null ? undefined : new GraphIndex(decoder.graph).initializerDims.get(norm.weight);
  const width = dims?.length === 1 ? dims[0] : undefined;
  const stated = modelDir.config.hiddenSize;
  if (width === undefined || width === stated) return;
  throw new ModelError(
    `${modelDir.configPath}: field "hidden_size" is ${stated}, but the graph's residual stream is ${width} wide ` +
      `(the final norm weight ${norm.weight} has ${width} values).`,
    { file: modelDir.configPath, field: 'hidden_size' },
  );
}
