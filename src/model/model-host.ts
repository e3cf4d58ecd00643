import { readFileSync } from 'node:fs';
import path from 'node:path';
import { captureOutputName, loadOrBuildCaptureGraph } from './capture-graph.js';
import { ModelError } from './errors.js';
import { locateHookTensors, type HookMap } from './hook-points.js';
import { DEFAULT_GRAPH_FILE, externalDataFiles, inspectModelDir, type ModelConfig } from './model-dir.js';
import { decodeModel, type ModelProto } from './onnx-graph.js';
import { openSession, prefillFeeds, type DeviceChoice } from './session.js';
import { loadPromptTokenizer, truncateTokenIds } from './tokenizer.js';
import {
  hookName,
  type CaptureOptions,
  type CaptureResult,
  type HookPoint,
  type ModelInfo,
  type Pooling,
} from './types.js';

export interface ModelHostOptions {
  modelDir: string;
  /** Graph file inside modelDir (default model.onnx). */
  graphFile?: string;
  hook: HookPoint;
  /** Decoder layers to capture, in output order; null = all. */
  layers: number[] | null;
  pooling: Pooling;
  device: DeviceChoice;
  deviceId?: number;
  intraOpThreads?: number | null;
  interOpThreads?: number | null;
  /** Where edited capture graphs are cached (the model directory may be read-only). */
  cacheDir: string;
  hookMap?: HookMap | null;
}

/** A loaded model that turns one prompt into one pooled vector per requested layer. */
export interface ModelHost {
  info: ModelInfo;
  layers: number[];
  /** TransformerLens-style name of each captured point, same order as `layers`. */
  hookNames: string[];
  tokenize(text: string): number[];
  /** One prefill forward pass, batch 1. */
  capture(text: string, opts: CaptureOptions): Promise<CaptureResult>;
  dispose(): Promise<void>;
}

export async function openModelHost(opts: ModelHostOptions): Promise<ModelHost> {
  const modelDir = inspectModelDir(opts.modelDir, opts.graphFile ?? DEFAULT_GRAPH_FILE);
  const { config } = modelDir;
  const tokenizer = loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
  const modelBytes = readGraphBytes(modelDir.graphPath);
  const model = decodeGraph(modelBytes, modelDir.graphPath);
  externalDataFiles(model, modelDir.graphPath);
  if (!model.graph) throw new ModelError(`${modelDir.graphPath} holds no graph.`, { file: modelDir.graphPath });
  const located = locateHookTensors(model.graph, config, opts.hook, opts.hookMap ?? null);
  const layers = resolveLayers(opts.layers, config);
  const { bytes: captureGraph } = loadOrBuildCaptureGraph(opts.cacheDir, modelBytes, model, {
    hook: opts.hook,
    layers,
    tensors: layers.map((layer) => located.tensors[layer] as string),
    poolings: [opts.pooling],
    hiddenSize: config.hiddenSize,
    unpooled: false,
  });
  const opened = await openSession(captureGraph, {
    device: opts.device,
    deviceId: opts.deviceId,
    intraOpThreads: opts.intraOpThreads,
    interOpThreads: opts.interOpThreads,
    externalDataDir: path.dirname(modelDir.graphPath),
  });
  const info: ModelInfo = {
    dir: modelDir.dir,
    modelType: config.modelType,
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    executionProvider: opened.executionProvider,
    executionProviderNote: opened.executionProviderNote,
  };
  const outputNames = layers.map((layer) => captureOutputName(layer, opts.hook, opts.pooling));

  return {
    info,
    layers,
    hookNames: layers.map((layer) => hookName(layer, opts.hook)),
    tokenize: (text) => tokenizer.encode(text),
    async capture(text, captureOpts) {
      const { ids, truncated } = truncateTokenIds(tokenizer.encode(text), captureOpts.maxInputTokens);
      const results = await opened.session.run(prefillFeeds(opened.session, [ids], config), outputNames);
      const pooled = outputNames.map((name, at) => {
        const output = results[name];
        const layer = layers[at] as number;
        if (!output || !(output.data instanceof Float32Array) || output.data.length !== config.hiddenSize) {
          throw new ModelError(`The capture graph returned no float32 [1, ${config.hiddenSize}] vector for ${name}.`, {
            tensor: name,
            layer,
          });
        }
        checkFinite(output.data, layer, name);
        return Float32Array.from(output.data);
      });
      return { tokenCount: ids.length, truncated, pooled };
    },
    async dispose() {
      await opened.session.release();
    },
  };
}

function readGraphBytes(graphPath: string): Uint8Array {
  try {
    return readFileSync(graphPath);
  } catch (err) {
    throw new ModelError(`Cannot read ${graphPath}: ${(err as Error).message}`, { file: graphPath }, { cause: err });
  }
}

function decodeGraph(bytes: Uint8Array, graphPath: string): ModelProto {
  try {
    return decodeModel(bytes, graphPath);
  } catch (err) {
    throw new ModelError((err as Error).message, { file: graphPath }, { cause: err });
  }
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
