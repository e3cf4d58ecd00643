import { readFileSync } from 'node:fs';
import type { ModelInspection } from './contract.js';
import { inspectModelDir, type ModelDirectory } from '../model/model-dir.js';
import { openModelHost } from '../model/model-host.js';
import { decodeModel } from '../model/onnx-graph.js';
import { locateHookTensors } from '../model/hook-points.js';

/** Ops that only appear in quantized exports, with how to name that quantization. */
const QUANTIZED_OPS: [string, string][] = [
  ['MatMulNBits', 'int4/int8 block-quantized weights (MatMulNBits)'],
  ['GatherBlockQuantized', 'block-quantized embeddings'],
  ['MatMulInteger', 'int8 dynamic quantization'],
  ['DynamicQuantizeLinear', 'int8 dynamic quantization'],
  ['QLinearMatMul', 'int8 static quantization'],
  ['DequantizeLinear', 'QDQ quantization'],
];

/**
 * What a model folder holds and whether a capture can run on it. Each check that fails adds one sentence to
 * `problems` instead of throwing, so the Model screen can show everything that is wrong at once. The execution
 * provider is the one a session really opened with (CUDA when it loads, else CPU).
 */
export async function inspectModelFolder(dir: string, cacheDir: string): Promise<ModelInspection> {
  const facts: ModelInspection = {
    dir,
    ok: false,
    modelType: null,
    numLayers: null,
    hiddenSize: null,
    dtype: null,
    quantization: null,
    exportStyle: null,
    executionProvider: null,
    executionProviderNote: null,
    demoModel: false,
    problems: [],
  };
  let modelDir: ModelDirectory;
  try {
    modelDir = inspectModelDir(dir);
  } catch (error) {
    facts.problems.push(messageOf(error));
    return facts;
  }
  const { config } = modelDir;
  const raw = config.raw;
  const textConfig = (typeof raw['text_config'] === 'object' && raw['text_config'] !== null ? raw['text_config'] : {}) as Record<string, unknown>;
  facts.dir = modelDir.dir;
  facts.modelType = config.modelType;
  facts.numLayers = config.numLayers;
  facts.hiddenSize = config.hiddenSize;
  facts.dtype = stringField(raw, 'torch_dtype') ?? stringField(raw, 'dtype') ?? stringField(textConfig, 'torch_dtype');
  facts.demoModel = typeof raw['cotlab_demo'] === 'object' && raw['cotlab_demo'] !== null;
  try {
    const model = decodeModel(readFileSync(modelDir.graphPath), modelDir.graphPath);
    const ops = new Set((model.graph?.node ?? []).map((node) => node.opType));
    facts.quantization = QUANTIZED_OPS.find(([op]) => ops.has(op))?.[1] ?? 'none found (float weights)';
    if (model.graph) facts.exportStyle = locateHookTensors(model.graph, config, 'resid_post').source;
  } catch (error) {
    facts.problems.push(messageOf(error));
    return facts;
  }
  try {
    const host = await openModelHost({ modelDir: modelDir.dir, hook: 'resid_post', layers: [0], pooling: 'last_token', device: 'auto', cacheDir });
    facts.executionProvider = host.info.executionProvider;
    facts.executionProviderNote = host.info.executionProviderNote;
    await host.dispose();
  } catch (error) {
    facts.problems.push(messageOf(error));
  }
  facts.ok = facts.problems.length === 0;
  return facts;
}

function stringField(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  return typeof value === 'string' ? value : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
