/**
 * The logit lens of residual vectors captured earlier (a stored run's last-token vectors): a session on a graph of
 * the model's own final norm and LM head only, fed the vectors. No forward pass through the decoder.
 */
import path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { modelCapabilities } from './capabilities.js';
import { buildLensHeadGraph, LENS_GOLD_INPUT, LENS_OUTPUTS, LENS_RESIDUALS_INPUT } from './capture-graph.js';
import { checkHiddenSize, readDecoderGraph } from './decoder-graph.js';
import { ModelError } from './errors.js';
import { activationDtype } from './graph-facts.js';
import { inspectModelDir } from './model-dir.js';
import { readLensOutputs, type LayerLens } from './lens-outputs.js';
import { encodeModel, OnnxDataType } from './onnx-graph.js';
import { openSession, type DeviceChoice } from './session.js';
import { loadPromptTokenizer, type PromptTokenizer } from './tokenizer.js';

export interface LensHeadOptions {
  modelDir: string;
  device: DeviceChoice;
  topK: number;
}

/** One sample's residual vectors, one per layer (float32 [hidden]), and the token whose rank is reported. */
export interface LensRow {
  vectors: readonly Float32Array[];
  goldTokenId: number;
}

export interface LensHead {
  tokenizer: PromptTokenizer;
  hiddenSize: number;
  /** Each row's lens at each of `layers` (the layers its vectors belong to, same order). */
  lens(rows: readonly LensRow[], layers: readonly number[]): Promise<LayerLens[][]>;
  dispose(): Promise<void>;
}

const ACTIVATION_TYPES: Record<string, OnnxDataType> = {
  float32: OnnxDataType.FLOAT,
  float16: OnnxDataType.FLOAT16,
  bfloat16: OnnxDataType.BFLOAT16,
};

export async function openLensHead(opts: LensHeadOptions): Promise<LensHead> {
  const modelDir = inspectModelDir(opts.modelDir);
  const decoder = readDecoderGraph(modelDir.graphPath);
  checkHiddenSize(decoder, modelDir);
  const capabilities = modelCapabilities(decoder, modelDir);
  if (capabilities.head === null) {
    throw new ModelError(`${modelDir.graphPath}: ${capabilities.notes.join(' ')}`, { file: modelDir.graphPath, field: 'logits' });
  }
  const activation = ACTIVATION_TYPES[activationDtype(decoder.model)] ?? OnnxDataType.FLOAT;
  const graph = buildLensHeadGraph(decoder.model, capabilities.head, modelDir.config.hiddenSize, opts.topK, activation);
  const { session } = await openSession(encodeModel(graph), { device: opts.device, externalDataDir: path.dirname(modelDir.graphPath) });
  const width = modelDir.config.hiddenSize;
  return {
    tokenizer: loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath),
    hiddenSize: width,
    async lens(rows, layers) {
      if (rows.length === 0) return [];
      const count = layers.length;
      const residuals = new Float32Array(rows.length * count * width);
      rows.forEach((row, at) => {
        if (row.vectors.length !== count || row.vectors.some((vector) => vector.length !== width)) {
          throw new ModelError(`Lens row ${at} holds ${row.vectors.length} vectors; expected ${count} of ${width} values.`);
        }
        row.vectors.forEach((vector, layer) => residuals.set(vector, (at * count + layer) * width));
      });
      const feeds = {
        [LENS_RESIDUALS_INPUT]: new Tensor('float32', residuals, [rows.length, count, width]),
        [LENS_GOLD_INPUT]: new Tensor('int64', BigInt64Array.from(rows, (row) => BigInt(row.goldTokenId)), [rows.length]),
      };
      return readLensOutputs(await session.run(feeds, Object.values(LENS_OUTPUTS)), rows.length, layers, opts.topK);
    },
    dispose: () => session.release(),
  };
}
