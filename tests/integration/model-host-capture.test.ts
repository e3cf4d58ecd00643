import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCaptureGraph, captureOutputName } from '../../src/model/capture-graph.js';
import { buildDemoModel, type DemoModelBuild } from '../../scripts/demo-model/index.js';
import { referenceForward } from '../helpers/demo-reference.js';
import { locateHookTensors } from '../../src/model/hook-points.js';
import { readModelConfig, type ModelConfig } from '../../src/model/model-dir.js';
import { openModelHost, type ModelHostOptions } from '../../src/model/model-host.js';
import { decodeModel, encodeModel, type ModelProto } from '../../src/model/onnx-graph.js';
import { readInitializerFloat32 } from '../helpers/onnx-files.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import { loadPromptTokenizer } from '../../src/model/tokenizer.js';
import type { HookPoint } from '../../src/results/capture-points.js';
import { relativeError } from '../helpers/relative-error.js';
import { cpuHostOptions } from '../helpers/host-options.js';

const PROMPT = 'Histopathology report: invasive ductal carcinoma of the left breast, grade 2, margins clear.';
const SHORT_PROMPT = 'Radiology: no fracture seen.';

let scratch: string;
let modelDir: string;
let demo: DemoModelBuild;
let model: ModelProto;
let config: ModelConfig;
let encode: (text: string) => number[];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-host-capture-'));
  modelDir = path.join(scratch, 'demo');
  demo = buildDemoModel(modelDir);
  model = decodeModel(readFileSync(path.join(modelDir, 'model.onnx')));
  config = readModelConfig(path.join(modelDir, 'config.json'));
  const tokenizer = loadPromptTokenizer(path.join(modelDir, 'tokenizer.json'), path.join(modelDir, 'tokenizer_config.json'));
  encode = (text) => tokenizer.encode(text);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function hostOptions(overrides: Partial<ModelHostOptions> = {}): ModelHostOptions {
  return cpuHostOptions(modelDir, scratch, { pooling: 'last_token', ...overrides });
}

function allLayers(): number[] {
  return Array.from({ length: config.numLayers }, (_, layer) => layer);
}

/** The named tensors of every layer, unpooled, for each row of a right-padded batch: [row][layer] -> [seq*hidden]. */
async function runUnpooled(tensors: string[], rows: number[][], hook: HookPoint = 'resid_post'): Promise<Float32Array[][]> {
  const layers = allLayers();
  const graph = buildCaptureGraph(model, { hook, layers, tensors, poolings: [], hiddenSize: config.hiddenSize, unpooled: true });
  const { session } = await openSession(encodeModel(graph), { device: 'cpu', externalDataDir: modelDir });
  const results = await session.run(prefillFeeds(session, rows, config));
  await session.release();
  const seq = Math.max(...rows.map((row) => row.length));
  const width = seq * config.hiddenSize;
  return rows.map((_, row) =>
    layers.map((layer) => (results[captureOutputName(layer, hook, null)]?.data as Float32Array).slice(row * width, (row + 1) * width)),
  );
}

function tokenRow(unpooled: Float32Array, position: number): Float32Array {
  return unpooled.slice(position * config.hiddenSize, (position + 1) * config.hiddenSize);
}

function meanOfRows(unpooled: Float32Array, count: number): Float32Array {
  const mean = new Float32Array(config.hiddenSize);
  for (let position = 0; position < count; position += 1) {
    tokenRow(unpooled, position).forEach((value, i) => (mean[i] = (mean[i] as number) + value / count));
  }
  return mean;
}

describe('hook points on the demo decoder', () => {
  it('locates resid_post (layer output Add) and cotlab (post_feedforward_layernorm) for every layer', () => {
    const residPost = locateHookTensors(model.graph!, config, 'resid_post');
    const cotlab = locateHookTensors(model.graph!, config, 'cotlab');
    expect(residPost.tensors).toEqual(allLayers().map((layer) => `/model/layers.${layer}/Add_1_output_0`));
    expect(cotlab.tensors).toHaveLength(config.numLayers);
    cotlab.tensors.forEach((name, layer) => expect(name.startsWith(`/model/layers.${layer}/post_feedforward_layernorm/`)).toBe(true));
  });

  it('names the captured points TransformerLens style', async () => {
    const host = await openModelHost(hostOptions({ hook: 'cotlab', layers: [4, 1] }));
    expect(host.layers).toEqual([4, 1]);
    expect(host.hookNames).toEqual(['blocks.4.hook_cotlab', 'blocks.1.hook_cotlab']);
    expect(host.info).toMatchObject({ modelType: 'gemma3_text', numLayers: 6, hiddenSize: 64, executionProvider: 'cpu' });
    await host.dispose();
  });
});

describe('resid_post is the true residual stream', () => {
  it('final norm + tied LM head applied to the last layer reproduce the unmodified model logits', async () => {
    const host = await openModelHost(hostOptions());
    const { pooled, tokenCount } = await host.capture(PROMPT, { maxInputTokens: null });
    await host.dispose();

    const original = await openSession(readFileSync(path.join(modelDir, 'model.onnx')), { device: 'cpu', externalDataDir: modelDir });
    const ids = encode(PROMPT);
    const logits = (await original.session.run(prefillFeeds(original.session, [ids], config)))['logits'];
    await original.session.release();
    const vocab = logits!.dims[2] as number;
    expect(logits!.dims).toEqual([1, tokenCount, vocab]);
    const expected = (logits!.data as Float32Array).slice((tokenCount - 1) * vocab, tokenCount * vocab);

    // Gemma RMSNorm: x / sqrt(mean(x^2) + eps) * (1 + w), then logits = normed . embed_tokens[t] (tied head).
    const last = pooled[config.numLayers - 1]!;
    const normWeight = readInitializerFloat32(model, 'model.norm.weight');
    const embedding = readInitializerFloat32(model, 'model.embed_tokens.weight');
    const eps = config.raw['rms_norm_eps'] as number;
    const meanSquare = last.reduce((sum, x) => sum + x * x, 0) / last.length;
    const normed = Array.from(last, (x, i) => (x / Math.sqrt(meanSquare + eps)) * (1 + normWeight[i]!));
    const reproduced = Array.from({ length: vocab }, (_, token) =>
      normed.reduce((sum, x, i) => sum + x * embedding[token * config.hiddenSize + i]!, 0),
    );
    expect(relativeError(reproduced, expected)).toBeLessThan(1e-4);
  });
});

describe('hf_hidden_states is Hugging Face\'s output_hidden_states[1..L]', () => {
  it('equals the reference forward pass: each layer\'s output, and the final norm of the last one', async () => {
    const ids = encode(PROMPT);
    const reference = referenceForward(demo.config, demo.vocabSize, (name) => readInitializerFloat32(model, name), ids);
    const tokenMean = (states: Float64Array): Float64Array => {
      const mean = new Float64Array(config.hiddenSize);
      states.forEach((value, at) => (mean[at % config.hiddenSize] = mean[at % config.hiddenSize]! + value / ids.length));
      return mean;
    };
    const host = await openModelHost(hostOptions({ hook: 'hf_hidden_states', pooling: 'mean' }));
    const { pooled } = await host.capture(PROMPT, { maxInputTokens: null });
    await host.dispose();
    expect(host.hookNames).toEqual([0, 1, 2, 3, 4].map((layer) => `blocks.${layer}.hook_resid_post`).concat('ln_final.hook_normalized'));
    [...reference.layerOutputs.slice(0, -1), reference.finalNormed].forEach((states, layer) =>
      expect(relativeError(pooled[layer]!, tokenMean(states))).toBeLessThan(1e-4),
    );
    // The last layer's raw residual is far from its normed value, so the comparison above tells them apart.
    expect(relativeError(tokenMean(reference.layerOutputs.at(-1)!), tokenMean(reference.finalNormed))).toBeGreaterThan(0.1);
  });
});

describe('in-graph pooling', () => {
  it('equals mean and last-token pooling computed from the unpooled tensors, also for a right-padded row', async () => {
    const long = encode(PROMPT);
    const short = encode(SHORT_PROMPT);
    expect(short.length).toBeLessThan(long.length);
    const tensors = locateHookTensors(model.graph!, config, 'resid_post').tensors;
    const layers = allLayers();
    const graph = buildCaptureGraph(model, {
      hook: 'resid_post',
      layers,
      tensors,
      poolings: ['mean', 'last_token'],
      hiddenSize: config.hiddenSize,
      unpooled: true,
    });
    const { session } = await openSession(encodeModel(graph), { device: 'cpu', externalDataDir: modelDir });
    const results = await session.run(prefillFeeds(session, [long, short], config));
    await session.release();
    const unpaddedShort = (await runUnpooled(tensors, [short]))[0]!;
    const width = config.hiddenSize;
    for (const layer of layers) {
      const unpooled = results[captureOutputName(layer, 'resid_post', null)]!;
      expect(unpooled.dims).toEqual([2, long.length, width]);
      const mean = results[captureOutputName(layer, 'resid_post', 'mean')]!;
      const lastToken = results[captureOutputName(layer, 'resid_post', 'last_token')]!;
      expect(mean.dims).toEqual([2, width]);
      [long, short].forEach((ids, row) => {
        const rowTensor = (unpooled.data as Float32Array).slice(row * long.length * width, (row + 1) * long.length * width);
        const gotMean = (mean.data as Float32Array).slice(row * width, (row + 1) * width);
        const gotLast = (lastToken.data as Float32Array).slice(row * width, (row + 1) * width);
        expect(relativeError(gotMean, meanOfRows(rowTensor, ids.length))).toBeLessThan(1e-5);
        expect(relativeError(gotLast, tokenRow(rowTensor, ids.length - 1))).toBeLessThan(1e-6);
      });
      // The padded row's pooled vectors are those of the same prompt run alone.
      const alone = unpaddedShort[layer]!;
      expect(relativeError((mean.data as Float32Array).slice(width, 2 * width), meanOfRows(alone, short.length))).toBeLessThan(1e-5);
      expect(relativeError((lastToken.data as Float32Array).slice(width), tokenRow(alone, short.length - 1))).toBeLessThan(1e-5);
    }
  });

  it('host capture returns the in-graph pooled vectors of one prompt', async () => {
    const ids = encode(PROMPT);
    const tensors = locateHookTensors(model.graph!, config, 'resid_post').tensors;
    const unpooled = (await runUnpooled(tensors, [ids]))[0]!;
    for (const pooling of ['mean', 'last_token'] as const) {
      const host = await openModelHost(hostOptions({ pooling, layers: [5, 2] }));
      const { pooled, tokenCount, truncated } = await host.capture(PROMPT, { maxInputTokens: null });
      await host.dispose();
      expect({ tokenCount, truncated }).toEqual({ tokenCount: ids.length, truncated: false });
      [5, 2].forEach((layer, at) => {
        const expected = pooling === 'mean' ? meanOfRows(unpooled[layer]!, ids.length) : tokenRow(unpooled[layer]!, ids.length - 1);
        expect(relativeError(pooled[at]!, expected)).toBeLessThan(1e-5);
      });
    }
  });

  it('truncates to maxInputTokens, keeping the first tokens', async () => {
    const ids = encode(PROMPT);
    const unpooled = (await runUnpooled(locateHookTensors(model.graph!, config, 'resid_post').tensors, [ids.slice(0, 5)]))[0]!;
    const host = await openModelHost(hostOptions({ layers: [3] }));
    const result = await host.capture(PROMPT, { maxInputTokens: 5 });
    await host.dispose();
    expect(result.tokenCount).toBe(5);
    expect(result.truncated).toBe(true);
    expect(relativeError(result.pooled[0]!, tokenRow(unpooled[3]!, 4))).toBeLessThan(1e-5);
  });

  it('keeps the EOS a tokenizer appends when truncating, as Hugging Face does: the last token fed is EOS', async () => {
    const eosDir = path.join(scratch, 'demo-eos');
    cpSync(modelDir, eosDir, { recursive: true });
    const tokenizerConfigPath = path.join(eosDir, 'tokenizer_config.json');
    const tokenizerConfig = JSON.parse(readFileSync(tokenizerConfigPath, 'utf8'));
    writeFileSync(tokenizerConfigPath, JSON.stringify({ ...tokenizerConfig, add_bos_token: true, add_eos_token: true }));
    const ids = encode(PROMPT);
    const eos = JSON.parse(readFileSync(path.join(eosDir, 'config.json'), 'utf8')).eos_token_id as number;
    const fed = [...ids.slice(0, 4), eos];
    const unpooled = (await runUnpooled(locateHookTensors(model.graph!, config, 'resid_post').tensors, [fed]))[0]!;
    const host = await openModelHost(cpuHostOptions(eosDir, scratch, { layers: [3], pooling: 'last_token' }));
    const result = await host.capture(PROMPT, { maxInputTokens: 5 });
    await host.dispose();
    expect({ tokenCount: result.tokenCount, truncated: result.truncated }).toEqual({ tokenCount: 5, truncated: true });
    expect(relativeError(result.pooled[0]!, tokenRow(unpooled[3]!, 4))).toBeLessThan(1e-5);
  });
});

describe('the edited capture graph', () => {
  it('outputs only the pooled hook tensors and drops the LM head and KV cache outputs', () => {
    const tensors = locateHookTensors(model.graph!, config, 'resid_post').tensors;
    const graph = buildCaptureGraph(model, {
      hook: 'resid_post',
      layers: [1, 3],
      tensors: [tensors[1]!, tensors[3]!],
      poolings: ['mean'],
      hiddenSize: config.hiddenSize,
      unpooled: false,
    }).graph!;
    expect(graph.output.map((output) => output.name)).toEqual(['blocks.1.hook_resid_post.mean', 'blocks.3.hook_resid_post.mean']);
    expect(graph.node.some((node) => node.name.startsWith('/lm_head/'))).toBe(false);
    // Layers after the last requested one are not needed at all.
    expect(graph.node.some((node) => node.name.startsWith('/model/layers.4/'))).toBe(false);
    expect(graph.node.some((node) => node.output.includes('logits'))).toBe(false);
    expect(graph.input.map((input) => input.name)).not.toContain('past_key_values.5.key');
    expect(model.graph!.output.map((output) => output.name)).toContain('logits');
  });

  it('is cached per model and request in the cache dir', async () => {
    const cacheDir = path.join(scratch, 'cache-count');
    const cached = (): string[] => readdirSync(path.join(cacheDir, 'capture-graphs')).filter((name) => name.endsWith('.onnx'));
    await (await openModelHost(hostOptions({ cacheDir }))).dispose();
    await (await openModelHost(hostOptions({ cacheDir }))).dispose();
    expect(cached()).toHaveLength(1);
    await (await openModelHost(hostOptions({ cacheDir, pooling: 'mean' }))).dispose();
    expect(cached()).toHaveLength(2);
  });

  it('is checked against its recorded sha256: a corrupted entry is rebuilt, said so, and captures stay right', async () => {
    const cacheDir = path.join(scratch, 'cache-corrupt');
    const first = await openModelHost(hostOptions({ cacheDir, pooling: 'mean' }));
    const expected = await first.capture(PROMPT, { maxInputTokens: null });
    await first.dispose();
    expect(first.info.notices).toEqual([]);
    const graphsDir = path.join(cacheDir, 'capture-graphs');
    const entry = path.join(graphsDir, readdirSync(graphsDir).find((name) => name.endsWith('.onnx'))!);
    const bytes = readFileSync(entry);
    // Same length, one byte in the middle changed (inside the embedding weights): the graph would still load.
    const corrupt = Buffer.from(bytes);
    const middle = Math.floor(corrupt.length / 2);
    corrupt[middle] = corrupt[middle]! ^ 0xff;
    writeFileSync(entry, corrupt);

    const second = await openModelHost(hostOptions({ cacheDir, pooling: 'mean' }));
    const again = await second.capture(PROMPT, { maxInputTokens: null });
    await second.dispose();
    expect(second.info.notices).toEqual([
      `The cached capture graph ${entry} did not match its recorded sha256 (corrupted on disk); rebuilt it.`,
    ]);
    again.pooled.forEach((vector, layer) => expect(relativeError(vector, expected.pooled[layer]!)).toBeLessThan(1e-6));
    expect(readFileSync(entry).equals(bytes)).toBe(true);

    writeFileSync(entry, bytes.subarray(0, 100));
    const third = await openModelHost(hostOptions({ cacheDir, pooling: 'mean' }));
    await third.dispose();
    expect(third.info.notices).toHaveLength(1);
    const fourth = await openModelHost(hostOptions({ cacheDir, pooling: 'mean' }));
    await fourth.dispose();
    expect(fourth.info.notices).toEqual([]);
  });
});

describe('cotlab hook', () => {
  it('is the post_feedforward_layernorm output: layer output minus the attention residual, not the stream itself', async () => {
    const ids = encode(PROMPT);
    const cotlab = (await runUnpooled(locateHookTensors(model.graph!, config, 'cotlab').tensors, [ids], 'cotlab'))[0]!;
    const residPost = (await runUnpooled(locateHookTensors(model.graph!, config, 'resid_post').tensors, [ids]))[0]!;
    const attentionResidual = (await runUnpooled(allLayers().map((layer) => `/model/layers.${layer}/Add_output_0`), [ids]))[0]!;
    for (const layer of allLayers()) {
      const difference = residPost[layer]!.map((value, i) => value - attentionResidual[layer]![i]!);
      expect(relativeError(cotlab[layer]!, difference)).toBeLessThan(1e-5);
      expect(relativeError(cotlab[layer]!, residPost[layer]!)).toBeGreaterThan(0.1);
    }
  });
});

describe('hook_map', () => {
  it('captures the tensors it names', async () => {
    const names = allLayers().map((layer) => `/model/layers.${layer}/Add_output_0`);
    const ids = encode(PROMPT);
    const unpooled = (await runUnpooled(names, [ids]))[0]!;
    const host = await openModelHost(hostOptions({ layers: [2], hookMap: { resid_post: names } }));
    const { pooled } = await host.capture(PROMPT, { maxInputTokens: null });
    await host.dispose();
    expect(relativeError(pooled[0]!, tokenRow(unpooled[2]!, ids.length - 1))).toBeLessThan(1e-6);
  });

  it('rejects a tensor name the graph does not have', async () => {
    const names = allLayers().map((layer) => `/model/layers.${layer}/Add_output_0`);
    names[3] = '/model/layers.3/Add_9_output_0';
    await expect(openModelHost(hostOptions({ hookMap: { resid_post: names } }))).rejects.toThrow(
      'hook_map.resid_post[3] names tensor "/model/layers.3/Add_9_output_0", which is not in the graph.',
    );
  });
});

describe('external data', () => {
  it('loads a model whose weights live in model.onnx.data and captures the same vectors', async () => {
    const externalDir = path.join(scratch, 'demo-external');
    buildDemoModel(externalDir, { externalData: true, opset: 18 });
    const inline = await openModelHost(hostOptions({ pooling: 'mean' }));
    const external = await openModelHost(hostOptions({ modelDir: externalDir, pooling: 'mean' }));
    const a = await inline.capture(PROMPT, { maxInputTokens: null });
    const b = await external.capture(PROMPT, { maxInputTokens: null });
    await inline.dispose();
    await external.dispose();
    a.pooled.forEach((vector, layer) => expect(relativeError(b.pooled[layer]!, vector)).toBeLessThan(1e-6));
  });
});
