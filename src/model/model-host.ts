import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { captureOutputName, loadOrBuildCaptureGraph } from './capture-graph.js';
import { openEmbeddingStage, type EmbeddingStage } from './embedding-stage.js';
import { checkHiddenSize, locateDecoderHooks, readDecoderGraph } from './decoder-graph.js';
import { ModelError } from './errors.js';
import { activationDtype, weightQuantization } from './graph-facts.js';
import type { HookMap } from './hook-points.js';
import { inspectModelDir, type ModelConfig } from './model-dir.js';
import { openSession, prefillFeeds, type DeviceChoice } from './session.js';
import { loadPromptTokenizer, type PromptTokenizer } from './tokenizer.js';
import { hookName, type HookPoint, type Pooling } from '../results/capture-points.js';
import type { CaptureOptions, CaptureResult, ModelInfo } from './types.js';

export interface ModelHostOptions {
  modelDir: string;
  /** Decoder graph file inside modelDir; default: found by findModelFiles (model.onnx, genai, transformers.js). */
  graphFile?: string;
  hook: HookPoint;
  /** Decoder layers to capture, in output order; null = all. */
  layers: number[] | null;
  pooling: Pooling;
  device: DeviceChoice;
  deviceId?: number;
  intraOpThreads?: number | null;
  interOpThreads?: number | null;
  /** Prompts per forward pass in captureBatch (default 1); backend.batch_size. */
  batchSize?: number;
  /** Where edited capture graphs are cached (the model directory may be read-only). */
  cacheDir: string;
  hookMap?: HookMap | null;
  /** The model folder's tokenizer when the caller has loaded it already (it is read from the folder otherwise). */
  tokenizer?: PromptTokenizer;
}

/** A loaded model that turns prompts into one pooled vector per requested layer. */
export interface ModelHost {
  info: ModelInfo;
  layers: number[];
  /** TransformerLens-style name of each captured point, same order as `layers`. */
  hookNames: string[];
  tokenize(text: string): number[];
  /** One prefill forward pass, batch 1. */
  capture(text: string, opts: CaptureOptions): Promise<CaptureResult>;
  /**
   * The captures of many prompts, in input order. Prompts of similar token length share a forward pass (up to
   * batchSize rows, right-padded; pooling ignores the pads), so results equal one-by-one capture to rounding.
   */
  captureBatch(texts: readonly string[], opts: CaptureOptions): Promise<CaptureResult[]>;
  dispose(): Promise<void>;
}

export async function openModelHost(opts: ModelHostOptions): Promise<ModelHost> {
  const modelDir = inspectModelDir(opts.modelDir, opts.graphFile);
  const { config } = modelDir;
  const batchSize = opts.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ModelError(`Batch size ${batchSize} is not a whole number of at least 1.`, { field: 'batch_size' });
  }
  const tokenizer = opts.tokenizer ?? loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
  // An Optimum merged decoder is captured through its inlined first-pass branch; the cache key is still the file.
  const decoder = readDecoderGraph(modelDir.graphPath);
  checkHiddenSize(decoder, modelDir);
  const { model } = decoder;
  const located = locateDecoderHooks(decoder, modelDir, opts.hook, opts.hookMap ?? null);
  const layers = resolveLayers(opts.layers, config);
  const { bytes: captureGraph, notice } = loadOrBuildCaptureGraph(opts.cacheDir, decoder.bytes, model, {
    hook: opts.hook,
    layers,
    tensors: layers.map((layer) => located.tensors[layer] as string),
    poolings: [opts.pooling],
    hiddenSize: config.hiddenSize,
    unpooled: false,
    ...(located.exposedOutputs ? { exposedOutputs: located.exposedOutputs } : {}),
  });
  const threads = { intraOpThreads: opts.intraOpThreads ?? null, interOpThreads: opts.interOpThreads ?? null };
  const opened = await openSession(captureGraph, {
    device: opts.device,
    deviceId: opts.deviceId,
    ...threads,
    externalDataDir: path.dirname(modelDir.graphPath),
  });
  let embedding: EmbeddingStage | null = null;
  if (modelDir.embeddingPath) {
    // The decoder already showed which provider works; do not try CUDA a second time.
    embedding = await openEmbeddingStage(modelDir.embeddingPath, config, {
      device: opened.executionProvider,
      deviceId: opts.deviceId,
      ...threads,
    });
  }
  const info: ModelInfo = {
    dir: modelDir.dir,
    modelType: config.modelType,
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    executionProvider: opened.executionProvider,
    executionProviderNote: opened.executionProviderNote,
    ...threads,
    dtype: activationDtype(model),
    exportStyle: located.source,
    quantization: weightQuantization(model).description,
    batchSize,
    notices: notice === null ? [] : [notice],
  };
  const outputNames = layers.map((layer) => captureOutputName(layer, opts.hook, opts.pooling));

  /** One forward pass over right-padded rows; returns each row's pooled vector per requested layer. */
  async function runRows(rows: number[][]): Promise<Float32Array[][]> {
    const provided: Record<string, Tensor> = embedding ? { inputs_embeds: await embedding.embed(rows) } : {};
    const results = await opened.session.run(prefillFeeds(opened.session, rows, config, provided), outputNames);
    const width = config.hiddenSize;
    const perLayer = outputNames.map((name, at) => {
      const output = results[name];
      const layer = layers[at] as number;
      if (!output || !(output.data instanceof Float32Array) || output.data.length !== rows.length * width) {
        throw new ModelError(`The capture graph returned no float32 [${rows.length}, ${width}] tensor for ${name}.`, {
          tensor: name,
          layer,
        });
      }
      checkFinite(output.data, layer, name);
      return output.data;
    });
    return rows.map((_, row) => perLayer.map((data) => data.slice(row * width, (row + 1) * width)));
  }

  async function captureBatch(texts: readonly string[], captureOpts: CaptureOptions): Promise<CaptureResult[]> {
    const encoded = texts.map((text) => tokenizer.encodeTruncated(text, captureOpts.maxInputTokens));
    const results: CaptureResult[] = new Array<CaptureResult>(texts.length);
    for (const group of lengthGroups(encoded.map(({ ids }) => ids.length), batchSize)) {
      const pooled = await runRows(group.map((at) => (encoded[at] as { ids: number[] }).ids));
      group.forEach((at, row) => {
        const { ids, truncated } = encoded[at] as { ids: number[]; truncated: boolean };
        results[at] = { tokenCount: ids.length, truncated, pooled: pooled[row] as Float32Array[] };
      });
    }
    return results;
  }

  return {
    info,
    layers,
    hookNames: layers.map((layer) => hookName(layer, opts.hook, config.numLayers)),
    tokenize: (text) => tokenizer.encode(text),
    async capture(text, captureOpts) {
      const [result] = await captureBatch([text], captureOpts);
      return result as CaptureResult;
    },
    captureBatch,
    async dispose() {
      await embedding?.release();
      await opened.session.release();
    },
  };
}

/**
 * Indices grouped for batched passes: sorted by token count so each pass pads little, then cut into groups of
 * at most `batchSize`. Sorting is stable, so equal lengths keep their input order.
 */
export function lengthGroups(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, at) => at).sort((a, b) => (lengths[a] as number) - (lengths[b] as number));
  const groups: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) groups.push(order.slice(start, start + batchSize));
  return groups;
}

function resolveLayers(requested: number[] | null, config: ModelConfig): number[] {
  if (requested === null) return Array.from({ length: config.numLayers }, (_, layer) => layer);
  const seen = new Set<number>();
  for (const layer of requested) {
    if (!Number.isInteger(layer) || layer < 0 || layer >= config.numLayers) {
      throw new ModelError(`Layer ${layer} does not exist: this model has layers 0 to ${config.numLayers - 1}.`, {
        field: 'layers',
        layer,
      });
    }
    if (seen.has(layer)) throw new ModelError(`Layer ${layer} is listed twice.`, { field: 'layers', layer });
    seen.add(layer);
  }
  return [...requested];
}

/** fp16 graphs overflow Gemma's residual stream (it passes 65504); say so instead of averaging NaNs. */
function checkFinite(values: Float32Array, layer: number, name: string): void {
  const bad = values.findIndex((value) => !Number.isFinite(value));
  if (bad < 0) return;
  throw new ModelError(
    `Layer ${layer} produced a non-finite activation (${values[bad]} at index ${bad} of ${name}). ` +
      'The model probably overflows in float16; use an export that keeps activations in float32 (fp32, q8/int8 or q4 weights).',
    { layer, tensor: name },
  );
}
