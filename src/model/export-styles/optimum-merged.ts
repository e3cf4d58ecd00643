import type { GraphIndex } from '../graph-index.js';
import type { ExportStyle, HookSearch, LocatedTensors } from './export-style.js';
import { optimumExportStyle } from './optimum.js';

/**
 * Older Optimum `decoder_model_merged.onnx` exports, searched after src/model/merged-decoder.ts has inlined the
 * first-pass branch of their If on use_cache_branch: the inlined decoder is an ordinary optimum graph.
 */
export const optimumMergedExportStyle: ExportStyle = {
  name: 'optimum-merged',
  description: 'optimum merged decoder (If on use_cache_branch; prefill branch inlined)',
  locate(index: GraphIndex, search: HookSearch): LocatedTensors | { mismatch: string } {
    return optimumExportStyle.locate(index, search);
  },
};
