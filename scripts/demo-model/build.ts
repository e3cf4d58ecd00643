/** Writes the complete demo model folder: graph, weights, config.json, tokenizer files and README.md. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelProto } from '../../src/model/onnx-graph.js';
import { encodeModel } from '../../src/model/onnx-graph.js';
import type { DemoModelConfig } from './config.js';
import { DemoModelConfigError, hfConfigJson, resolveDemoConfig } from './config.js';
import { externalizeInitializers } from './external-data.js';
import { convertModelToFloat16 } from './float16.js';
import { genaiConfigJson } from './genai-config.js';
import type { DemoAttention, DemoLayout, DemoOpset } from './gemma3-graph.js';
import { buildEmbeddingModel, buildGemma3Model, resolveAttention } from './gemma3-graph.js';
import { demoModelReadme } from './readme.js';
import { wrapInUseCacheIf } from './merged-if.js';
import { buildDemoTokenizer, specialTokenIds } from './tokenizer-files.js';
import type { DemoWeights } from './weights.js';
import { generateDemoWeights, weightNames } from './weights.js';

export const DEMO_MODEL_FILE = 'model.onnx';
export const DEMO_DATA_FILE = 'model.onnx.data';
/** transformers.js layout of a multimodal export used text-only: embeddings and decoder in separate graphs. */
export const SPLIT_EMBED_FILE = 'onnx/embed_tokens.onnx';
export const SPLIT_DECODER_FILE = 'onnx/decoder_model_merged.onnx';
export const GENAI_CONFIG_FILE = 'genai_config.json';

/** post_feedforward_layernorm scale of the overflow layer: its output then exceeds float16's 65504. */
const OVERFLOW_NORM_SCALE = 60000;

export interface DemoModelOptions extends Partial<DemoModelConfig> {
  /** Store the large weights in model.onnx.data next to model.onnx (default false). */
  externalData?: boolean;
  /** ONNX opset: 17 (ReduceMean axes attribute, default) or 18 (axes input). */
  opset?: DemoOpset;
  /** optimum (default: torch.onnx-style plain ops) or genai (onnxruntime-genai builder ops + genai_config.json). */
  layout?: DemoLayout;
  /**
   * Attention as plain ops or one com.microsoft GroupQueryAttention per layer (genai layout only). Default: gqa for
   * the genai layout, as the onnxruntime-genai builder exports it; ops for optimum.
   */
  attention?: DemoAttention;
  /** Projection weights as int4 com.microsoft MatMulNBits, block 32 (default false). */
  int4?: boolean;
  /** Write onnx/embed_tokens.onnx + onnx/decoder_model_merged.onnx (decoder takes inputs_embeds) instead. */
  splitEmbeddings?: boolean;
  /** With splitEmbeddings: embed_tokens.onnx applies Gemma's sqrt(hidden) scale (default true, as HF exports). */
  embedScaleInEmbedModel?: boolean;
  /** float16 turns every weight and activation into float16 (default float32). */
  dtype?: 'float32' | 'float16';
  /** Scale this layer's post_feedforward_layernorm so the residual after it exceeds float16's range. */
  overflowLayer?: number;
  /** Wrap the decoder like an older Optimum decoder_model_merged.onnx: an If on a bool `use_cache_branch` input. */
  mergedIf?: boolean;
  /** Rows of the embedding and tied LM head (at least the tokenizer's vocabulary); ids past it are never used. */
  graphVocabSize?: number;
}

export interface DemoModelBuild {
  dir: string;
  /** Names of the files written, relative to dir. */
  files: string[];
  config: DemoModelConfig;
  vocabSize: number;
  opset: DemoOpset;
  /** The decoder graph file, relative to dir. */
  graphFile: string;
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

const DESCRIPTION = 'CoTLab Workbench demo decoder (Gemma 3 style) with seeded random weights; not clinically meaningful.';

export function buildDemoModel(outDir: string, options: DemoModelOptions = {}): DemoModelBuild {
  const {
    externalData = false,
    opset = 17,
    layout = 'optimum',
    attention: attentionOption,
    int4 = false,
    splitEmbeddings = false,
    embedScaleInEmbedModel = true,
    dtype = 'float32',
    overflowLayer,
    graphVocabSize,
    mergedIf = false,
    ...overrides
  } = options;
  const config = resolveDemoConfig(overrides);
  const attention = resolveAttention(layout, attentionOption);
  const tokenizer = buildDemoTokenizer();
  // Never below the tokenizer's vocabulary: every id it emits must have an embedding row.
  const vocabSize = Math.max(graphVocabSize ?? 0, tokenizer.vocabSize);
  const weights = generateDemoWeights(config, vocabSize);
  if (overflowLayer !== undefined) scaleForOverflow(weights, config, overflowLayer);
  const asDtype = (model: ModelProto): ModelProto => (dtype === 'float16' ? convertModelToFloat16(model) : model);
  const plainDecoder = asDtype(
    buildGemma3Model(config, weights, vocabSize, { opset, description: DESCRIPTION, layout, attention, int4, inputsEmbeds: splitEmbeddings }),
  );
  const decoder = mergedIf ? wrapInUseCacheIf(plainDecoder) : plainDecoder;
  const graphFile = splitEmbeddings ? SPLIT_DECODER_FILE : DEMO_MODEL_FILE;
  const dataFile = splitEmbeddings ? `${SPLIT_DECODER_FILE}_data` : DEMO_DATA_FILE;

  mkdirSync(outDir, { recursive: true });
  // Files an earlier build with other options left would otherwise look like part of this model.
  for (const stale of [DEMO_MODEL_FILE, DEMO_DATA_FILE, 'onnx', GENAI_CONFIG_FILE]) {
    rmSync(join(outDir, stale), { recursive: true, force: true });
  }
  const binaries: [string, Uint8Array][] = [];
  if (externalData) {
    // Locations are relative to the graph file's folder.
    binaries.push([dataFile, externalizeInitializers(decoder, dataFile.split('/').pop() as string)]);
  }
  binaries.push([graphFile, encodeModel(decoder)]);
  if (splitEmbeddings) {
    const embed = buildEmbeddingModel(config, weights, { opset, scaled: embedScaleInEmbedModel, description: DESCRIPTION });
    binaries.push([SPLIT_EMBED_FILE, encodeModel(asDtype(embed))]);
  }
  for (const [name, bytes] of binaries) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), bytes);
  }
  const files = binaries.map(([name]) => name);
  const textFiles: [string, string][] = [
    ['config.json', jsonText(hfConfigJson(config, vocabSize, specialTokenIds))],
    ['tokenizer.json', jsonText(tokenizer.tokenizerJson)],
    ['tokenizer_config.json', jsonText(tokenizer.tokenizerConfigJson)],
  ];
  if (layout === 'genai') textFiles.push([GENAI_CONFIG_FILE, jsonText(genaiConfigJson(config, vocabSize, specialTokenIds, graphFile, attention))]);
  files.push(...textFiles.map(([name]) => name), 'README.md');
  const variant = describeVariant({ layout, attention, int4, splitEmbeddings, embedScaleInEmbedModel, dtype, overflowLayer, externalData, mergedIf });
  textFiles.push(['README.md', demoModelReadme(config, vocabSize, files, variant)]);
  for (const [name, text] of textFiles) writeFileSync(join(outDir, name), text);
  return { dir: outDir, files, config, vocabSize, opset, graphFile };
}

function scaleForOverflow(weights: DemoWeights, config: DemoModelConfig, layer: number): void {
  if (!Number.isInteger(layer) || layer < 0 || layer >= config.numHiddenLayers) {
    throw new DemoModelConfigError(`Demo model: overflow layer ${layer} is not a layer of the model.`, 'numHiddenLayers');
  }
  const norm = weights.get(weightNames.layer(layer, 'post_feedforward_layernorm.weight'));
  if (norm) norm.values = norm.values.map((value) => value + OVERFLOW_NORM_SCALE);
}

/** README lines saying how this build differs from the default demo model. */
function describeVariant(v: {
  layout: DemoLayout;
  attention: DemoAttention;
  int4: boolean;
  splitEmbeddings: boolean;
  embedScaleInEmbedModel: boolean;
  dtype: 'float32' | 'float16';
  overflowLayer: number | undefined;
  externalData: boolean;
  mergedIf: boolean;
}): string[] {
  const lines: string[] = [];
  if (v.layout === 'genai') {
    lines.push('Laid out like an onnxruntime-genai builder export: SimplifiedLayerNormalization and com.microsoft SkipSimplifiedLayerNormalization, with genai_config.json.');
    lines.push(
      v.attention === 'gqa'
        ? 'Attention is one com.microsoft GroupQueryAttention per layer (rotary from cos_cache/sin_cache; no position_ids input).'
        : 'Attention is written as plain ops (rotary, MatMul, Softmax with an additive mask).',
    );
  }
  if (v.int4) lines.push('Projection weights are int4 (com.microsoft MatMulNBits, block 32, symmetric, with scales).');
  if (v.splitEmbeddings) {
    lines.push(
      `Split like a transformers.js multimodal export: ${SPLIT_EMBED_FILE} ${v.embedScaleInEmbedModel ? 'applies' : 'does not apply'} Gemma's sqrt(hidden) embedding scale; ${SPLIT_DECODER_FILE} takes inputs_embeds.`,
    );
  }
  if (v.dtype === 'float16') lines.push('Weights and activations are float16.');
  if (v.overflowLayer !== undefined) lines.push(`Layer ${v.overflowLayer} is scaled so its residual exceeds the float16 range (numerics test).`);
  if (v.mergedIf) {
    lines.push('Wrapped like an older Optimum decoder_model_merged.onnx: an If node on the bool input use_cache_branch holds the decoder in both branches.');
  }
  if (v.externalData) lines.push('Large weights live in an external data file beside the graph.');
  return lines;
}
