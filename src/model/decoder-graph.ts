/** A model folder's decoder graph read from disk, checked and normalised for the hook search and the capture edit. */
import { readFileSync } from 'node:fs';
import { ModelError } from './errors.js';
import type { ExportStyle } from './export-styles/export-style.js';
import { normaliseDecoder } from './export-styles/registry.js';
import { externalDataFiles } from './model-dir.js';
import { decodeModel, type GraphProto, type ModelProto } from './onnx-graph.js';

export interface DecoderGraph {
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

export function readDecoderGraph(graphPath: string): DecoderGraph {
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
  const { model, styles } = normaliseDecoder(file);
  if (!model.graph) throw new ModelError(`${graphPath} holds no graph.`, { file: graphPath });
  return { bytes, file, model, graph: model.graph, styles, externalDataFiles: external };
}
