import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { GraphProto, ModelProto, TensorProto } from 'onnx-buf';
import { z } from 'zod';
import { ModelError } from './errors.js';
import { DEFAULT_GRAPH_FILE } from './export-styles/export-style.js';
import { findModelFiles } from './export-styles/registry.js';
import { readModelJsonFile } from './json-file.js';

/** The model facts the host needs from config.json (HF style; multimodal configs keep them under text_config). */
export interface ModelConfig {
  modelType: string;
  numLayers: number;
  hiddenSize: number;
  /** Null when config.json does not say; the graph input shapes are used instead. */
  numKeyValueHeads: number | null;
  headDim: number | null;
  /** The longest input the model takes (max_position_embeddings); null when config.json does not say. */
  maxPositionEmbeddings: number | null;
  /** The parsed config.json, for callers that need more (e.g. rms_norm_eps). */
  raw: Record<string, unknown>;
}

/** What a model directory holds, as absolute paths, plus its parsed config. */
export interface ModelDirectory {
  dir: string;
  /** The decoder graph. */
  graphPath: string;
  /** A separate embedding graph (input_ids -> inputs_embeds) when the decoder takes inputs_embeds; else null. */
  embeddingPath: string | null;
  /** genai_config.json of an onnxruntime-genai export; else null. */
  genaiConfigPath: string | null;
  configPath: string;
  tokenizerPath: string;
  tokenizerConfigPath: string;
  config: ModelConfig;
}

const positiveInt = z.number().int().positive();

const TextFieldsSchema = z.object({
  model_type: z.string().min(1).optional(),
  num_hidden_layers: positiveInt.optional(),
  num_layers: positiveInt.optional(),
  hidden_size: positiveInt.optional(),
  num_attention_heads: positiveInt.optional(),
  num_key_value_heads: positiveInt.optional(),
  head_dim: positiveInt.nullable().optional(),
  max_position_embeddings: positiveInt.optional(),
});

const ConfigSchema = TextFieldsSchema.extend({ text_config: TextFieldsSchema.optional() });

/**
 * Check that `dir` holds everything a capture needs and read its config.json.
 * Throws one ModelError naming the directory and every missing file.
 */
export function inspectModelDir(dir: string, graphFile?: string): ModelDirectory {
  const absDir = path.resolve(dir);
  if (!existsSync(absDir) || !statSync(absDir).isDirectory()) {
    throw new ModelError(`Model directory ${absDir} does not exist or is not a folder.`, { dir: absDir });
  }
  const files = graphFile === undefined ? findModelFiles(absDir) : { graphFile, embeddingFile: null, genaiConfigFile: null };
  const required = [
    files?.graphFile ?? DEFAULT_GRAPH_FILE,
    ...(files?.embeddingFile ? [files.embeddingFile] : []),
    'config.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ];
  const missing = required.filter((name) => !existsSync(path.join(absDir, name)));
  if (missing.length > 0) {
    throw new ModelError(`Model directory ${absDir} is missing ${missing.join(', ')}.`, {
      dir: absDir,
      file: missing[0],
    });
  }
  const configPath = path.join(absDir, 'config.json');
  return {
    dir: absDir,
    graphPath: path.join(absDir, files?.graphFile ?? DEFAULT_GRAPH_FILE),
    embeddingPath: files?.embeddingFile ? path.join(absDir, files.embeddingFile) : null,
    genaiConfigPath: files?.genaiConfigFile ? path.join(absDir, files.genaiConfigFile) : null,
    configPath,
    tokenizerPath: path.join(absDir, 'tokenizer.json'),
    tokenizerConfigPath: path.join(absDir, 'tokenizer_config.json'),
    config: readModelConfig(configPath),
  };
}

/** Parse a HF config.json into the fields the host uses. */
export function readModelConfig(configPath: string): ModelConfig {
  const raw = readModelJsonFile(configPath);
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new ModelError(`${configPath}: field "${field}" is invalid (${issue?.message ?? 'unknown problem'}).`, {
      file: configPath,
      field,
    });
  }
  const top = parsed.data;
  const text = top.text_config ?? {};
  const modelType = top.model_type ?? text.model_type;
  const numLayers = top.num_hidden_layers ?? text.num_hidden_layers ?? top.num_layers ?? text.num_layers;
  const hiddenSize = top.hidden_size ?? text.hidden_size;
  const absent = [
    modelType === undefined ? 'model_type' : null,
    numLayers === undefined ? 'num_hidden_layers' : null,
    hiddenSize === undefined ? 'hidden_size' : null,
  ].filter((name): name is string => name !== null);
  if (modelType === undefined || numLayers === undefined || hiddenSize === undefined) {
    throw new ModelError(`${configPath} does not state ${absent.join(', ')} (checked the top level and text_config).`, {
      file: configPath,
      field: absent[0],
    });
  }
  const numHeads = top.num_attention_heads ?? text.num_attention_heads;
  const headDim = top.head_dim ?? text.head_dim ?? (numHeads !== undefined ? hiddenSize / numHeads : null);
  return {
    modelType,
    numLayers,
    hiddenSize,
    numKeyValueHeads: top.num_key_value_heads ?? text.num_key_value_heads ?? numHeads ?? null,
    headDim: headDim !== null && Number.isInteger(headDim) ? headDim : null,
    maxPositionEmbeddings: top.max_position_embeddings ?? text.max_position_embeddings ?? null,
    raw: raw as Record<string, unknown>,
  };
}

/**
 * The external data files (e.g. `model.onnx_data`) the graph's tensors point at, as absolute paths resolved
 * against the graph file's folder. Throws when one of them is not there, so a broken download fails early.
 */
export function externalDataFiles(model: ModelProto, graphPath: string): string[] {
  const graphDir = path.dirname(graphPath);
  const locations = new Set<string>();
  if (model.graph) collectExternalLocations(model.graph, locations);
  const files = [...locations].map((location) => path.resolve(graphDir, location));
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new ModelError(
      `${graphPath} keeps its weights in ${missing.map((file) => path.basename(file)).join(', ')}, ` +
        `which ${missing.length === 1 ? 'is' : 'are'} not in ${graphDir}.`,
      { dir: graphDir, file: missing[0] },
    );
  }
  return files;
}

function collectExternalLocations(graph: GraphProto, into: Set<string>): void {
  const addTensor = (tensor: TensorProto | undefined): void => {
    const location = tensor?.externalData.find((entry) => entry.key === 'location')?.value;
    if (location) into.add(location);
  };
  graph.initializer.forEach(addTensor);
  for (const node of graph.node) {
    for (const attribute of node.attribute) {
      addTensor(attribute.t);
      attribute.tensors.forEach(addTensor);
      if (attribute.g) collectExternalLocations(attribute.g, into);
      attribute.graphs.forEach((sub) => collectExternalLocations(sub, into));
    }
  }
}
