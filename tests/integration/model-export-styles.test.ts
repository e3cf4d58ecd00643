import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCaptureGraph, captureOutputName, type CaptureGraphRequest } from '../../src/model/capture-graph.js';
import type { NodeProto } from 'onnx-buf';
import { buildDemoModel, DemoModelOptionError, weightNames, type DemoModelOptions } from '../../scripts/demo-model/index.js';
import { openEmbeddingStage } from '../../src/model/embedding-stage.js';
import { ModelError } from '../../src/model/errors.js';
import { locateFinalNorm, locateHookTensors } from '../../src/model/hook-points.js';
import { inspectModelDir, type ModelDirectory } from '../../src/model/model-dir.js';
import { openModelHost, type ModelHostOptions } from '../../src/model/model-host.js';
import { decodeModel, encodeModel, type ModelProto } from '../../src/model/onnx-graph.js';
import { readInitializerFloat32 } from '../helpers/onnx-files.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import { loadPromptTokenizer } from '../../src/model/tokenizer.js';
import { relativeError } from '../helpers/relative-error.js';
import { cpuHostOptions } from '../helpers/host-options.js';

const PROMPT = 'Histopathology report: invasive ductal carcinoma of the left breast, grade 2, margins clear.';
const SHORT_PROMPT = 'Radiology: no fracture seen.';

/** Every export layout the host must handle; each is compared with `optimum` (same seeded weights). */
const FIXTURES: Record<string, DemoModelOptions> = {
  optimum: {},
  'optimum-int4-external': { int4: true, externalData: true, opset: 18 },
  genai: { layout: 'genai' },
  'genai-plain-attention': { layout: 'genai', attention: 'ops' },
  'genai-int4-external': { layout: 'genai', int4: true, externalData: true },
  split: { splitEmbeddings: true },
  'split-unscaled-embeddings': { splitEmbeddings: true, embedScaleInEmbedModel: false },
};
/** The fixture with the same weights in the plain layout: int4 ones quantize identically. */
const TWIN: Record<string, string> = {
  optimum: 'optimum',
  'optimum-int4-external': 'optimum-int4-external',
  genai: 'optimum',
  'genai-plain-attention': 'optimum',
  'genai-int4-external': 'optimum-int4-external',
  split: 'optimum',
  'split-unscaled-embeddings': 'optimum',
};

interface Fixture {
  name: string;
  options: DemoModelOptions;
  dir: ModelDirectory;
  model: ModelProto;
}

let scratch: string;
const fixtures = new Map<string, Fixture>();
let encode: (text: string) => number[];

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-export-styles-'));
  for (const [name, options] of Object.entries(FIXTURES)) {
    buildDemoModel(path.join(scratch, name), options);
    const dir = inspectModelDir(path.join(scratch, name));
    fixtures.set(name, { name, options, dir, model: decodeModel(readFileSync(dir.graphPath)) });
  }
  const any = fixtures.get('optimum')!.dir;
  const tokenizer = loadPromptTokenizer(any.tokenizerPath, any.tokenizerConfigPath);
  encode = (text) => tokenizer.encode(text);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function hostOptions(fixture: Fixture, overrides: Partial<ModelHostOptions> = {}): ModelHostOptions {
  return cpuHostOptions(fixture.dir.dir, scratch, { pooling: 'last_token', ...overrides });
}

/** Runs `graph` (the fixture's decoder or an edit of it) on right-padded rows, embedding first for split exports. */
async function runGraph(fixture: Fixture, graph: ModelProto, rows: number[][], outputs?: string[]) {
  const { session } = await openSession(encodeModel(graph), { device: 'cpu', externalDataDir: path.dirname(fixture.dir.graphPath) });
  const provided: Record<string, Tensor> = {};
  if (fixture.dir.embeddingPath) {
    const stage = await openEmbeddingStage(fixture.dir.embeddingPath, fixture.dir.config, { device: 'cpu' });
    provided['inputs_embeds'] = await stage.embed(rows);
    await stage.release();
  }
  const results = await session.run(prefillFeeds(session, rows, fixture.dir.config, provided), outputs ?? session.outputNames);
  const names = session.outputNames;
  await session.release();
  return { results, names };
}

function captureRequest(fixture: Fixture, overrides: Partial<CaptureGraphRequest>): CaptureGraphRequest {
  const located = locateHookTensors(fixture.model.graph!, fixture.dir.config, 'resid_post');
  const layers = Array.from({ length: fixture.dir.config.numLayers }, (_, layer) => layer);
  return {
    hook: 'resid_post',
    layers,
    tensors: located.tensors,
    poolings: ['mean', 'last_token'],
    hiddenSize: fixture.dir.config.hiddenSize,
    unpooled: false,
    ...(located.exposedOutputs ? { exposedOutputs: located.exposedOutputs } : {}),
    ...overrides,
  };
}

/** The unedited model's logits at the last token of PROMPT. */
async function lastTokenLogits(f: Fixture): Promise<Float32Array> {
  const ids = encode(PROMPT);
  const { results } = await runGraph(f, f.model, [ids], ['logits']);
  const logits = results['logits']!;
  const vocab = logits.dims[2] as number;
  return (logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab);
}

/** Gemma RMSNorm x / rms(x) * (1 + w) with the fixture's final-norm weight; genai exports store 1 + w. */
function finalNorm(f: Fixture, vector: Float32Array): number[] {
  const stored = readInitializerFloat32(f.model, weightNames.finalNorm, path.dirname(f.dir.graphPath));
  const scale = f.options.layout === 'genai' ? stored : stored.map((w) => 1 + w);
  const eps = f.dir.config.raw['rms_norm_eps'] as number;
  const rms = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0) / vector.length + eps);
  return Array.from(vector, (x, i) => (x / rms) * scale[i]!);
}

/** The tied LM head: logits = normed . embed_tokens[t]. */
function lmHead(f: Fixture, normed: number[]): number[] {
  const embedding = readInitializerFloat32(f.model, weightNames.embedTokens, path.dirname(f.dir.graphPath));
  const width = f.dir.config.hiddenSize;
  const vocab = embedding.length / width;
  return Array.from({ length: vocab }, (_, token) => normed.reduce((sum, x, i) => sum + x * embedding[token * width + i]!, 0));
}

function slice(data: unknown, row: number, width: number): Float32Array {
  return (data as Float32Array).slice(row * width, (row + 1) * width);
}

describe.each(Object.keys(FIXTURES))('%s export', (name) => {
  const fixture = (): Fixture => fixtures.get(name)!;

  it('final norm + LM head on the last layer\'s captured tensor reproduce the unedited model\'s logits', async () => {
    const f = fixture();
    const expected = await lastTokenLogits(f);
    const host = await openModelHost(hostOptions(f, { layers: [f.dir.config.numLayers - 1] }));
    const [last] = (await host.capture(PROMPT, { maxInputTokens: null })).pooled;
    await host.dispose();
    expect(relativeError(lmHead(f, finalNorm(f, last!)), expected)).toBeLessThan(1e-4);
  });

  it('hf_hidden_states is resid_post for layers 0..L-2 and, for the last layer, the final norm\'s output the LM head reads', async () => {
    const f = fixture();
    const last = f.dir.config.numLayers - 1;
    const hf = await openModelHost(hostOptions(f, { hook: 'hf_hidden_states' }));
    const raw = await openModelHost(hostOptions(f, { hook: 'resid_post' }));
    const normed = (await hf.capture(PROMPT, { maxInputTokens: null })).pooled;
    const residual = (await raw.capture(PROMPT, { maxInputTokens: null })).pooled;
    await hf.dispose();
    await raw.dispose();
    expect(hf.hookNames).toEqual([...raw.hookNames.slice(0, last), 'ln_final.hook_normalized']);
    normed.slice(0, last).forEach((vector, layer) => expect(relativeError(vector, residual[layer]!)).toBeLessThan(1e-6));
    expect(relativeError(normed[last]!, finalNorm(f, residual[last]!))).toBeLessThan(1e-5);
    expect(relativeError(lmHead(f, Array.from(normed[last]!)), await lastTokenLogits(f))).toBeLessThan(1e-4);
  });

  it('locates the final norm: the last residual in, the normed stream out, and its scale weight', () => {
    const f = fixture();
    const located = locateFinalNorm(f.model.graph!, f.dir.config);
    const residPost = locateHookTensors(f.model.graph!, f.dir.config, 'resid_post');
    expect(located.source).toBe(residPost.source);
    expect(located.finalNorm.input).toBe(residPost.tensors.at(-1));
    expect(located.finalNorm.weight).toBe(weightNames.finalNorm);
    expect(located.finalNorm.scalePlusOne).toBe(f.options.layout !== 'genai');
    expect(located.finalNorm.nodes.length).toBeGreaterThan(0);
  });

  it('captures every layer as its plain-layout twin does (the located tensors are the same residual stream)', async () => {
    const f = fixture();
    const twin = fixtures.get(TWIN[name]!)!;
    const a = await openModelHost(hostOptions(f, { pooling: 'mean' }));
    const b = await openModelHost(hostOptions(twin, { pooling: 'mean' }));
    const mine = await a.capture(PROMPT, { maxInputTokens: null });
    const theirs = await b.capture(PROMPT, { maxInputTokens: null });
    await a.dispose();
    await b.dispose();
    mine.pooled.forEach((vector, layer) => expect(relativeError(vector, theirs.pooled[layer]!)).toBeLessThan(1e-5));
  });

  it('pools in the graph exactly as pooling the full hidden states of an unpooled edit, pads ignored', async () => {
    const f = fixture();
    const long = encode(PROMPT);
    const short = encode(SHORT_PROMPT);
    const graph = buildCaptureGraph(f.model, captureRequest(f, { unpooled: true }));
    const { results } = await runGraph(f, graph, [long, short]);
    const width = f.dir.config.hiddenSize;
    for (let layer = 0; layer < f.dir.config.numLayers; layer += 1) {
      const unpooled = results[captureOutputName(layer, 'resid_post', null)]!.data as Float32Array;
      const mean = results[captureOutputName(layer, 'resid_post', 'mean')]!.data;
      const lastToken = results[captureOutputName(layer, 'resid_post', 'last_token')]!.data;
      [long, short].forEach((ids, row) => {
        const rowStart = row * long.length;
        const expectedMean = new Float32Array(width);
        for (let position = 0; position < ids.length; position += 1) {
          slice(unpooled, rowStart + position, width).forEach((x, i) => (expectedMean[i] = expectedMean[i]! + x / ids.length));
        }
        expect(relativeError(slice(mean, row, width), expectedMean)).toBeLessThan(1e-5);
        expect(relativeError(slice(lastToken, row, width), slice(unpooled, rowStart + ids.length - 1, width))).toBeLessThan(1e-6);
      });
    }
  });

  it('edits the graph so it has no logits: only pooled outputs, no LM head node', async () => {
    const f = fixture();
    const graph = buildCaptureGraph(f.model, captureRequest(f, { poolings: ['mean'] })).graph!;
    expect(f.model.graph!.output.map((output) => output.name)).toContain('logits');
    expect(graph.output.map((output) => output.name)).toEqual(
      Array.from({ length: f.dir.config.numLayers }, (_, layer) => captureOutputName(layer, 'resid_post', 'mean')),
    );
    expect(graph.node.some((node) => node.output.includes('logits') || node.name.startsWith('/lm_head/'))).toBe(false);
    const { names } = await runGraph(f, { ...f.model, graph }, [encode(SHORT_PROMPT)]);
    expect(names).not.toContain('logits');
  });
});

describe('genai export', () => {
  it('exposes the last layer\'s residual as output 3 of the final norm, which the export leaves off', () => {
    const f = fixtures.get('genai')!;
    const located = locateHookTensors(f.model.graph!, f.dir.config, 'resid_post');
    const last = f.dir.config.numLayers;
    expect(located.source).toBe('genai');
    expect(located.tensors[0]).toBe('/model/layers.1/input_layernorm/output_3');
    expect(located.exposedOutputs).toEqual([
      {
        node: `/model/layers.${last}/final_norm_layernorm/SkipLayerNorm`,
        outputIndex: 3,
        tensor: `/model/layers.${last}/final_norm_layernorm/output_3`,
      },
    ]);
    const finalNorm = f.model.graph!.node.find((node) => node.name === located.exposedOutputs![0]!.node)!;
    expect(finalNorm.output).toHaveLength(1);
  });

  it('computes attention as one com.microsoft GroupQueryAttention per layer, fed by q_norm/k_norm, as the builder does', () => {
    const f = fixtures.get('genai')!;
    const graph = f.model.graph!;
    const producer = new Map(graph.node.flatMap((node) => node.output.map((output) => [output, node] as const)));
    /** Op types from `tensor` back through each producer's first input. */
    const chain = (tensor: string, length: number): string[] => {
      const ops: string[] = [];
      let current: NodeProto | undefined = producer.get(tensor);
      while (current && ops.length < length) {
        ops.push(current.opType);
        current = producer.get(current.input[0] ?? '');
      }
      return ops;
    };
    const attribute = (node: NodeProto, name: string) => node.attribute.find((attr) => attr.name === name);
    const intAttribute = (node: NodeProto, name: string): number => Number(attribute(node, name)?.i);
    const gqa = graph.node.filter((node) => node.opType === 'GroupQueryAttention');
    expect(gqa.map((node) => [node.name, node.domain, node.output.slice(1)])).toEqual(
      Array.from({ length: f.dir.config.numLayers }, (_, layer) => [
        `/model/layers.${layer}/attn/GroupQueryAttention`,
        'com.microsoft',
        [`present.${layer}.key`, `present.${layer}.value`],
      ]),
    );
    for (const [layer, node] of gqa.entries()) {
      const [query, key, , pastKey, pastValue, seqlensK, totalLength, cosCache, sinCache] = node.input;
      expect(producer.get(query!)?.name).toBe(`/model/layers.${layer}/attn/q_norm/Reshape_1`);
      expect(producer.get(key!)?.name).toBe(`/model/layers.${layer}/attn/k_norm/Reshape_1`);
      expect(chain(query!, 2)).toEqual(['Reshape', 'SimplifiedLayerNormalization']);
      expect([pastKey, pastValue, cosCache, sinCache]).toEqual([`past_key_values.${layer}.key`, `past_key_values.${layer}.value`, 'cos_cache', 'sin_cache']);
      expect(chain(seqlensK!, 3)).toEqual(['Cast', 'Sub', 'ReduceSum']);
      expect(chain(totalLength!, 3)).toEqual(['Cast', 'Gather', 'Shape']);
      const names = ['num_heads', 'kv_num_heads', 'do_rotary', 'rotary_interleaved', 'local_window_size'];
      expect(names.map((name) => intAttribute(node, name))).toEqual([
        f.dir.config.raw['num_attention_heads'],
        f.dir.config.numKeyValueHeads,
        1,
        0,
        -1,
      ]);
      expect(attribute(node, 'scale')?.f).toBeCloseTo(1 / Math.sqrt(f.dir.config.headDim!), 6);
    }
    expect(graph.node.some((node) => node.opType === 'Softmax')).toBe(false);
    expect(graph.input.map((input) => input.name)).not.toContain('position_ids');
    const genaiConfig = JSON.parse(readFileSync(path.join(f.dir.dir, 'genai_config.json'), 'utf8'));
    expect(Object.keys(genaiConfig.model.decoder.inputs)).not.toContain('position_ids');
  });

  it('refuses GroupQueryAttention in the optimum layout, which exports attention as plain ops', () => {
    const build = () => buildDemoModel(path.join(scratch, 'optimum-gqa'), { attention: 'gqa' });
    expect(build).toThrow(DemoModelOptionError);
    expect(build).toThrow(/only built in the genai layout/);
  });

  it('finds the cotlab hook (post_feedforward_layernorm output) as in the plain layout', async () => {
    const genai = await openModelHost(hostOptions(fixtures.get('genai')!, { hook: 'cotlab', pooling: 'mean' }));
    const plain = await openModelHost(hostOptions(fixtures.get('optimum')!, { hook: 'cotlab', pooling: 'mean' }));
    const a = await genai.capture(PROMPT, { maxInputTokens: null });
    const b = await plain.capture(PROMPT, { maxInputTokens: null });
    await genai.dispose();
    await plain.dispose();
    expect(genai.info.exportStyle).toBe('genai');
    a.pooled.forEach((vector, layer) => expect(relativeError(vector, b.pooled[layer]!)).toBeLessThan(1e-5));
  });
});

describe('model info', () => {
  it('records export style, dtype, quantization, threads and batch size', async () => {
    const host = await openModelHost(
      hostOptions(fixtures.get('genai-int4-external')!, { intraOpThreads: 1, interOpThreads: 1, batchSize: 4 }),
    );
    await host.dispose();
    expect(host.info).toMatchObject({
      exportStyle: 'genai',
      dtype: 'float32',
      intraOpThreads: 1,
      interOpThreads: 1,
      batchSize: 4,
      executionProvider: 'cpu',
    });
    expect(host.info.quantization).toMatch(/^int4 MatMulNBits \(block 32, \d+ matmuls\)$/);
  });
});

describe('batching', () => {
  const prompts = [
    PROMPT,
    SHORT_PROMPT,
    'Chest CT: 6 mm nodule in the right upper lobe, follow-up in 12 months recommended.',
    'No acute findings.',
    `${PROMPT} ${SHORT_PROMPT}`,
  ];

  it.each(['genai', 'genai-int4-external', 'split'])('%s: captureBatch equals batch size 1 within 1e-5 relative, in input order', async (name) => {
    const f = fixtures.get(name)!;
    for (const pooling of ['mean', 'last_token'] as const) {
      const single = await openModelHost(hostOptions(f, { pooling }));
      const batched = await openModelHost(hostOptions(f, { pooling, batchSize: 3 }));
      const one = await Promise.all(prompts.map((text) => single.capture(text, { maxInputTokens: 12 })));
      const many = await batched.captureBatch(prompts, { maxInputTokens: 12 });
      await single.dispose();
      await batched.dispose();
      expect(many.map((result) => [result.tokenCount, result.truncated])).toEqual(one.map((result) => [result.tokenCount, result.truncated]));
      many.forEach((result, at) =>
        result.pooled.forEach((vector, layer) => expect(relativeError(vector, one[at]!.pooled[layer]!)).toBeLessThan(1e-5)),
      );
    }
  });
});

describe('float16 numerics', () => {
  it('captures a float16 graph that stays in range, reporting its dtype', async () => {
    const dir = path.join(scratch, 'fp16');
    buildDemoModel(dir, { dtype: 'float16' });
    const host = await openModelHost({ ...hostOptions(fixtures.get('optimum')!), modelDir: dir, pooling: 'mean' });
    const { pooled } = await host.capture(PROMPT, { maxInputTokens: null });
    await host.dispose();
    expect(host.info.dtype).toBe('float16');
    expect(host.info.quantization).toBe('float16 weights');
    expect(pooled.every((vector) => vector.every(Number.isFinite))).toBe(true);
  });

  // onnxruntime's CPU provider runs plain float16 ops (Add, Mul) in float32, so only a fused op with a float16
  // kernel, like genai's skip norm, materializes the overflow on CPU (CUDA overflows in both layouts).
  it('stops with an error naming the layer whose residual overflows float16', async () => {
    const dir = path.join(scratch, 'fp16-overflow');
    buildDemoModel(dir, { layout: 'genai', dtype: 'float16', overflowLayer: 3 });
    const host = await openModelHost({ ...hostOptions(fixtures.get('optimum')!), modelDir: dir, layers: [1, 2, 3, 4] });
    const error = await host.captureBatch([SHORT_PROMPT], { maxInputTokens: null }).catch((err: unknown) => err);
    await host.dispose();
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).context.layer).toBe(3);
    expect((error as ModelError).message).toMatch(/^Layer 3 produced a non-finite activation .*overflows in float16; use an export that keeps activations in float32/);
  });
});
