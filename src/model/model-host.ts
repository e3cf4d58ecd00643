import path from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { Tensor as OrtTensor } from 'onnxruntime-node';
import { modelCapabilities, type ModelCapabilities } from './capabilities.js';
import { captureOutputName, LENS_GOLD_INPUT, LENS_OUTPUTS, loadOrBuildCaptureGraph, type CaptureGraphRequest } from './capture-graph.js';
import { decodeRows, type DecodeGraph, type PaddingSide, type StopReason } from './decode-loop.js';
import { openEmbeddingStage, type EmbeddingStage } from './embedding-stage.js';
import { checkHiddenSize, locateDecoderHooks, readDecoderGraph, type DecoderGraph } from './decoder-graph.js';
import { ModelError } from './errors.js';
import type { ExposedOutput } from './export-styles/export-style.js';
import { activationDtype, weightQuantization } from './graph-facts.js';
import type { HookMap } from './hook-points.js';
import { readLensOutputs, type LayerLens } from './lens-outputs.js';
import { inspectModelDir, type ModelConfig } from './model-dir.js';
import { openSession, prefillFeeds, type DeviceChoice } from './session.js';
import { stopTokenIds } from './stop-tokens.js';
import { checkSamplingSettings, type SamplingSettings } from './token-choice.js';
import { loadPromptTokenizer, type PromptTokenizer } from './tokenizer.js';
import { hookName, type HookPoint, type Pooling } from '../results/capture-points.js';
import type { CaptureOptions, CaptureResult, ModelInfo } from './types.js';

export interface ModelHostOptions {
  modelDir: string;
  /** Decoder graph file inside modelDir; default: found by findModelFiles (model.onnx, genai, transformers.js). */
  graphFile?: string;
  hook: HookPoint;
  /** Decoder layers to capture, in output order; null = all; [] = none (a host that only generates). */
  layers: number[] | null;
  pooling: Pooling;
  device: DeviceChoice;
  deviceId?: number;
  intraOpThreads?: number | null;
  interOpThreads?: number | null;
  /** Prompts per forward pass in captureBatch and generate (default 1); backend.batch_size. */
  batchSize?: number;
  /** Where edited capture graphs are cached (the model directory may be read-only). */
  cacheDir: string;
  hookMap?: HookMap | null;
  /**
   * Also open the graph for generate(): next-token logits of the last real token and the KV cache outputs are added
   * to the capture graph, so one session (one copy of the weights) serves capture and generation.
   */
  generation?: boolean;
  /** Also open the graph for lens(): the final norm and LM head applied to each captured layer's last-token residual. */
  logitLens?: { topK: number } | null;
  /** The model folder's tokenizer when the caller has loaded it already (it is read from the folder otherwise). */
  tokenizer?: PromptTokenizer;
}

/** How generate() decodes. */
export interface GenerateOptions {
  maxInputTokens: number | null;
  /** Tokens generated at most per prompt. */
  maxNewTokens: number;
  /** null: greedy (argmax); else temperature / top-p sampling with each prompt's own random source. */
  sampling: SamplingSettings | null;
  /** Generation stops once the generated text contains one of these (kept in the text). */
  stopStrings: readonly string[];
  /** false: recompute the whole sequence for every new token even when the model has a KV cache (a baseline). */
  useCache?: boolean;
}

export interface GenerationPrompt {
  text: string;
  /** Draws from [0, 1) for sampling (seeded by the caller, so each prompt's draws are reproducible); null: greedy. */
  random?: (() => number) | null;
}

export interface GenerationResult extends CaptureResult {
  /** Generated token ids, a stopping EOS included. */
  tokenIds: number[];
  /** The generated text, special tokens left out. */
  text: string;
  stopReason: StopReason;
}

export interface LensPrompt {
  text: string;
  /** The token whose rank and probability are reported at every layer (e.g. the gold answer's first token). */
  goldTokenId: number;
}

export type { LayerLens };

export interface LensResult extends CaptureResult {
  lens: LayerLens[];
}

/** A loaded model that turns prompts into one pooled vector per requested layer, and generates when opened for it. */
export interface ModelHost {
  info: ModelInfo;
  layers: number[];
  /** TransformerLens-style name of each captured point, same order as `layers`. */
  hookNames: string[];
  tokenize(text: string): number[];
  tokenizer: PromptTokenizer;
  /** The ids that end generation (config.json / generation_config.json eos_token_id, the tokenizer's EOS). */
  stopTokenIds: readonly number[];
  /** One prefill forward pass, batch 1. */
  capture(text: string, opts: CaptureOptions): Promise<CaptureResult>;
  /**
   * The captures of many prompts, in input order. Prompts of similar token length share a forward pass (up to
   * batchSize rows, right-padded; pooling ignores the pads), so results equal one-by-one capture to rounding.
   */
  captureBatch(texts: readonly string[], opts: CaptureOptions): Promise<CaptureResult[]>;
  /**
   * Completions of many prompts, in input order (host opened with `generation`): the prefill pass captures the
   * pooled vectors too, then one token per pass from the KV cache. Rows of a batch stop on their own.
   */
  generate(prompts: readonly GenerationPrompt[], opts: GenerateOptions): Promise<GenerationResult[]>;
  /** The logit lens of many prompts at every captured layer (host opened with `logitLens`), plus their captures. */
  lens(prompts: readonly LensPrompt[], opts: CaptureOptions): Promise<LensResult[]>;
  dispose(): Promise<void>;
}

export async function openModelHost(opts: ModelHostOptions): Promise<ModelHost> {
  const modelDir = inspectModelDir(opts.modelDir, opts.graphFile);
  const { config } = modelDir;
  const batchSize = opts.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ModelError(`Batch size ${batchSize} is not a whole number of at least 1.`, { field: 'batch_size' });
  }
  const generation = opts.generation ?? false;
  const lensTopK = opts.logitLens?.topK ?? null;
  if (generation && lensTopK !== null) {
    throw new ModelError('A model host is opened for generation or for the logit lens, not both (the lens would run on every decoding pass).');
  }
  if (lensTopK !== null && (!Number.isInteger(lensTopK) || lensTopK < 1)) {
    throw new ModelError(`The logit lens top_k ${lensTopK} is not a whole number of at least 1.`, { field: 'top_k' });
  }
  const tokenizer = opts.tokenizer ?? loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
  // An Optimum merged decoder is captured through its inlined first-pass branch, and generates through its
  // with-past branch; the cache key is still the file.
  const decoder = readDecoderGraph(modelDir.graphPath, generation ? 'generation' : 'capture');
  checkHiddenSize(decoder, modelDir);
  const capabilities = modelCapabilities(decoder, modelDir);
  if ((generation || lensTopK !== null) && capabilities.head === null) {
    throw new ModelError(`${modelDir.graphPath}: ${capabilities.notes.join(' ')}`, { file: modelDir.graphPath, field: 'logits' });
  }
  const layers = resolveLayers(opts.layers, config);
  const located = layers.length > 0 ? locateDecoderHooks(decoder, modelDir, opts.hook, opts.hookMap ?? null) : null;
  const lensTensors =
    lensTopK === null ? null : opts.hook === 'resid_post' && located ? located : locateDecoderHooks(decoder, modelDir, 'resid_post', opts.hookMap ?? null);
  const exposedOutputs = [
    ...(located?.exposedOutputs ?? []),
    ...(lensTensors?.exposedOutputs ?? []),
    ...(generation || lensTopK !== null ? capabilities.headExposedOutputs : []),
  ];
  const head = capabilities.head;
  const request: CaptureGraphRequest = {
    hook: opts.hook,
    layers,
    tensors: layers.map((layer) => located?.tensors[layer] as string),
    poolings: [opts.pooling],
    hiddenSize: config.hiddenSize,
    unpooled: false,
    ...(exposedOutputs.length > 0 ? { exposedOutputs: uniqueExposed(exposedOutputs) } : {}),
    ...(generation && head ? { decoderForm: 'with_past' as const, generation: { head } } : {}),
    ...(lensTopK !== null && head && lensTensors
      ? { lens: { head, layers, tensors: layers.map((layer) => lensTensors.tensors[layer] as string), topK: lensTopK } }
      : {}),
  };
  const { bytes: captureGraph, notice } = loadOrBuildCaptureGraph(opts.cacheDir, decoder.bytes, decoder.model, request);
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
  const padding = paddingSide(decoder, opened.session);
  const info: ModelInfo = {
    dir: modelDir.dir,
    modelType: config.modelType,
    numLayers: config.numLayers,
    hiddenSize: config.hiddenSize,
    executionProvider: opened.executionProvider,
    executionProviderNote: opened.executionProviderNote,
    ...threads,
    dtype: activationDtype(decoder.model),
    exportStyle: located?.source ?? lensTensors?.source ?? capabilities.normSource ?? 'unknown',
    quantization: weightQuantization(decoder.model).description,
    batchSize,
    notices: notice === null ? [] : [notice],
    capabilities: capabilitySummary(capabilities, padding),
  };
  const outputNames = layers.map((layer) => captureOutputName(layer, opts.hook, opts.pooling));
  const stops = stopTokenIds(modelDir.dir, config.raw, tokenizer.eosTokenId);

  async function embedded(rows: number[][]): Promise<Record<string, Tensor>> {
    return embedding ? { inputs_embeds: await embedding.embed(rows) } : {};
  }

  /** One forward pass over right-padded rows; returns each row's pooled vector per requested layer. */
  async function runRows(rows: number[][], extraFeeds: Record<string, Tensor> = {}, extraFetches: string[] = []) {
    const provided = { ...(await embedded(rows)), ...extraFeeds };
    if (lensTopK !== null && !provided[LENS_GOLD_INPUT]) provided[LENS_GOLD_INPUT] = goldTensor(rows.map(() => 0));
    const results = await opened.session.run(prefillFeeds(opened.session, rows, config, provided), [...outputNames, ...extraFetches]);
    const pooled = rows.map((_, row) => pooledRow(results, outputNames, layers, config.hiddenSize, rows.length, row));
    return { pooled, results };
  }

  function encodeAll(texts: readonly string[], maxInputTokens: number | null) {
    return texts.map((text) => tokenizer.encodeTruncated(text, maxInputTokens));
  }

  async function captureBatch(texts: readonly string[], captureOpts: CaptureOptions): Promise<CaptureResult[]> {
    const encoded = encodeAll(texts, captureOpts.maxInputTokens);
    const results: CaptureResult[] = new Array<CaptureResult>(texts.length);
    for (const group of lengthGroups(encoded.map(({ ids }) => ids.length), batchSize)) {
      const { pooled } = await runRows(group.map((at) => (encoded[at] as { ids: number[] }).ids));
      group.forEach((at, row) => {
        const { ids, truncated } = encoded[at] as { ids: number[]; truncated: boolean };
        results[at] = { tokenCount: ids.length, truncated, pooled: pooled[row] as Float32Array[] };
      });
    }
    return results;
  }

  const decodeGraph: DecodeGraph = {
    session: opened.session,
    config,
    embedding,
    cache: capabilities.cache,
    padding,
    pooledOutputs: outputNames,
    hiddenSize: config.hiddenSize,
  };

  async function generate(prompts: readonly GenerationPrompt[], genOpts: GenerateOptions): Promise<GenerationResult[]> {
    if (!generation) throw new ModelError('This model host was not opened for generation (ModelHostOptions.generation).');
    if (!Number.isInteger(genOpts.maxNewTokens) || genOpts.maxNewTokens < 1) {
      throw new ModelError(`max_new_tokens ${genOpts.maxNewTokens} is not a whole number of at least 1.`, { field: 'max_new_tokens' });
    }
    if (genOpts.sampling !== null) checkSamplingSettings(genOpts.sampling);
    const encoded = encodeAll(
      prompts.map((prompt) => prompt.text),
      genOpts.maxInputTokens,
    );
    const lengths = encoded.map(({ ids }) => ids.length);
    const groups = padding === 'none' ? equalLengthGroups(lengths, batchSize) : lengthGroups(lengths, batchSize);
    const results: GenerationResult[] = new Array<GenerationResult>(prompts.length);
    const settings = {
      maxNewTokens: genOpts.maxNewTokens,
      sampling: genOpts.sampling,
      stopTokenIds: new Set(stops),
      stopStrings: genOpts.stopStrings,
      decode: (ids: readonly number[]) => tokenizer.decode(ids),
      useCache: genOpts.useCache ?? true,
    };
    for (const group of groups) {
      const rows = group.map((at) => ({ ids: (encoded[at] as { ids: number[] }).ids, random: prompts[at]?.random ?? null }));
      const decoded = await decodeRows(decodeGraph, rows, settings);
      group.forEach((at, row) => {
        const { ids, truncated } = encoded[at] as { ids: number[]; truncated: boolean };
        const done = decoded[row] as (typeof decoded)[number];
        results[at] = {
          tokenCount: ids.length,
          truncated,
          pooled: done.pooled,
          tokenIds: done.tokenIds,
          text: completionText(tokenizer.decode(done.tokenIds), done.stopReason === 'stop_string' ? genOpts.stopStrings : []),
          stopReason: done.stopReason,
        };
      });
    }
    return results;
  }

  async function lens(prompts: readonly LensPrompt[], lensOpts: CaptureOptions): Promise<LensResult[]> {
    if (lensTopK === null) throw new ModelError('This model host was not opened for the logit lens (ModelHostOptions.logitLens).');
    const encoded = encodeAll(
      prompts.map((prompt) => prompt.text),
      lensOpts.maxInputTokens,
    );
    const results: LensResult[] = new Array<LensResult>(prompts.length);
    for (const group of lengthGroups(encoded.map(({ ids }) => ids.length), batchSize)) {
      const gold = goldTensor(group.map((at) => (prompts[at] as LensPrompt).goldTokenId));
      const { pooled, results: outputs } = await runRows(
        group.map((at) => (encoded[at] as { ids: number[] }).ids),
        { [LENS_GOLD_INPUT]: gold },
        Object.values(LENS_OUTPUTS),
      );
      const lensed = readLensOutputs(outputs, group.length, layers, lensTopK);
      group.forEach((at, row) => {
        const { ids, truncated } = encoded[at] as { ids: number[]; truncated: boolean };
        results[at] = { tokenCount: ids.length, truncated, pooled: pooled[row] as Float32Array[], lens: lensed[row] as LayerLens[] };
      });
    }
    return results;
  }

  return {
    info,
    layers,
    hookNames: layers.map((layer) => hookName(layer, opts.hook, config.numLayers)),
    tokenize: (text) => tokenizer.encode(text),
    tokenizer,
    stopTokenIds: stops,
    async capture(text, captureOpts) {
      const [result] = await captureBatch([text], captureOpts);
      return result as CaptureResult;
    },
    captureBatch,
    generate,
    lens,
    async dispose() {
      await embedding?.release();
      await opened.session.release();
    },
  };
}

function uniqueExposed(exposed: readonly ExposedOutput[]): ExposedOutput[] {
  const seen = new Map(exposed.map((entry) => [`${entry.node}#${entry.outputIndex}`, entry]));
  return [...seen.values()];
}

/** GroupQueryAttention reads per-row token counts (right padding); plain attention with position_ids takes any padding. */
function paddingSide(decoder: DecoderGraph, session: InferenceSession): PaddingSide {
  if (decoder.graph.node.some((node) => node.opType === 'GroupQueryAttention')) return 'right';
  return session.inputNames.includes('position_ids') ? 'left' : 'none';
}

function capabilitySummary(capabilities: ModelCapabilities, padding: PaddingSide): ModelInfo['capabilities'] {
  return {
    lmHead: capabilities.head !== null,
    kvCache: capabilities.cache !== null,
    padding,
    experiments: capabilities.experiments,
    notes: capabilities.notes,
  };
}

/** The decoded completion, cut after the first stop string it contains (the stop string is kept). */
function completionText(text: string, stopStrings: readonly string[]): string {
  const ends = stopStrings.map((stop) => {
    const at = text.indexOf(stop);
    return at < 0 ? Infinity : at + stop.length;
  });
  const end = Math.min(...ends);
  return Number.isFinite(end) ? text.slice(0, end) : text;
}

function goldTensor(ids: readonly number[]): Tensor {
  return new OrtTensor('int64', BigInt64Array.from(ids, BigInt), [ids.length]);
}

function pooledRow(
  results: InferenceSession.OnnxValueMapType,
  outputNames: readonly string[],
  layers: readonly number[],
  width: number,
  batch: number,
  row: number,
): Float32Array[] {
  return outputNames.map((name, at) => {
    const output = results[name];
    const layer = layers[at] as number;
    if (!output || !(output.data instanceof Float32Array) || output.data.length !== batch * width) {
      throw new ModelError(`The capture graph returned no float32 [${batch}, ${width}] tensor for ${name}.`, { tensor: name, layer });
    }
    checkFinite(output.data, layer, name);
    return output.data.slice(row * width, (row + 1) * width);
  });
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

/** Like lengthGroups, but a group never mixes lengths (graphs that cannot take padded rows in a decoding pass). */
export function equalLengthGroups(lengths: readonly number[], batchSize: number): number[][] {
  const groups: number[][] = [];
  for (const length of [...new Set(lengths)].sort((a, b) => a - b)) {
    const members = lengths.flatMap((other, at) => (other === length ? [at] : []));
    for (let start = 0; start < members.length; start += batchSize) groups.push(members.slice(start, start + batchSize));
  }
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

