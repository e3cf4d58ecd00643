/** Reading the logit lens outputs of a graph (LENS_OUTPUTS) into one record per row and layer. */
import type { InferenceSession } from 'onnxruntime-node';
import { LENS_OUTPUTS } from './capture-graph.js';
import { ModelError } from './errors.js';

/** The logit lens at one layer: its last-token residual through the final norm and the LM head. */
export interface LayerLens {
  layer: number;
  /** The most probable tokens, most probable first, and their probabilities. */
  topTokenIds: number[];
  topProbs: number[];
  goldProb: number;
  /** 1 = the most probable token. */
  goldRank: number;
}

/** Per row, per layer (in `layers` order) the lens a graph computed for `rows` rows. */
export function readLensOutputs(outputs: InferenceSession.OnnxValueMapType, rows: number, layers: readonly number[], topK: number): LayerLens[][] {
  const read = (name: string, size: number) => {
    const output = outputs[name];
    if (!output || output.data.length !== size) throw new ModelError(`The lens graph returned no ${name} tensor of ${size} values.`, { tensor: name });
    return output.data;
  };
  const cells = rows * layers.length;
  const ids = read(LENS_OUTPUTS.topIds, cells * topK) as BigInt64Array;
  const probs = read(LENS_OUTPUTS.topProbs, cells * topK) as Float32Array;
  const goldProb = read(LENS_OUTPUTS.goldProb, cells) as Float32Array;
  const goldAbove = read(LENS_OUTPUTS.goldAbove, cells) as Float32Array;
  return Array.from({ length: rows }, (_, row) =>
    layers.map((layer, at) => {
      const cell = row * layers.length + at;
      return {
        layer,
        topTokenIds: Array.from(ids.subarray(cell * topK, (cell + 1) * topK), Number),
        topProbs: Array.from(probs.subarray(cell * topK, (cell + 1) * topK)),
        goldProb: goldProb[cell] as number,
        // Tokens scoring strictly higher, plus one: ties share the better rank.
        goldRank: (goldAbove[cell] as number) + 1,
      };
    }),
  );
}
