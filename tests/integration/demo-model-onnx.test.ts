import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ValueInfoProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelProto } from '../../src/model/onnx-graph.js';
import { encodeModel, opsetVersion } from '../../src/model/onnx-graph.js';
import { readInitializerFloat32, readModel } from '../helpers/onnx-files.js';
import type { DemoModelBuild } from '../../scripts/demo-model/index.js';
import { buildDemoModel, weightNames } from '../../scripts/demo-model/index.js';
import type { ReferenceOutput } from '../helpers/demo-reference.js';
import { referenceForward } from '../helpers/demo-reference.js';
import { sha256OfFile } from '../helpers/sha256.js';
import { relativeError } from '../helpers/relative-error.js';

const scratch = mkdtempSync(join(tmpdir(), 'demo-model-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Outputs = ort.InferenceSession.OnnxValueMapType;

interface Batch {
  ids: number[][];
  mask: number[][];
  positions: number[][];
}

function int64(rows: number[][]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]?.length ?? 0]);
}

/** Runs the decoder; `past` holds the previous call's present.* tensors (none: zero-length prefill). */
async function runDecoder(
  session: ort.InferenceSession,
  build: DemoModelBuild,
  batch: Batch,
  past?: Outputs,
): Promise<Outputs> {
  const { numHiddenLayers, numKeyValueHeads, headDim } = build.config;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(batch.ids),
    attention_mask: int64(batch.mask),
    position_ids: int64(batch.positions),
  };
  const empty = (): ort.Tensor =>
    new ort.Tensor('float32', new Float32Array(0), [batch.ids.length, numKeyValueHeads, 0, headDim]);
  for (let i = 0; i < numHiddenLayers; i++) {
    feeds[`past_key_values.${i}.key`] = (past?.[`present.${i}.key`] as ort.Tensor | undefined) ?? empty();
    feeds[`past_key_values.${i}.value`] = (past?.[`present.${i}.value`] as ort.Tensor | undefined) ?? empty();
  }
  return session.run(feeds);
}

function single(ids: number[]): Batch {
  return { ids: [ids], mask: [ids.map(() => 1)], positions: [ids.map((_, i) => i)] };
}

function data(outputs: Outputs, name: string): Float32Array {
  return (outputs[name] as ort.Tensor).data as Float32Array;
}

/** Row `position` of a [1, S, width] or [S, width] tensor. */
function row(values: ArrayLike<number>, width: number, position: number): number[] {
  return Array.from({ length: width }, (_, i) => values[position * width + i] as number);
}

function hashFolder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, sha256OfFile(join(dir, f))]),
  );
}

/** The reference forward pass of PROMPT on the weights stored in `graph`. */
function referenceFor(built: DemoModelBuild, graph: ModelProto): ReferenceOutput {
  return referenceForward(built.config, built.vocabSize, (name) => readInitializerFloat32(graph, name), PROMPT);
}

const PROMPT = [2, 812, 45, 1990, 77, 3021, 640, 12, 9, 3999, 1500, 301, 302, 58];

let build: DemoModelBuild;
let model: ModelProto;
let session: ort.InferenceSession;

beforeAll(async () => {
  build = buildDemoModel(join(scratch, 'default'));
  model = readModel(join(build.dir, 'model.onnx'));
  session = await ort.InferenceSession.create(join(build.dir, 'model.onnx'));
});

describe('demo model files', () => {
  it('writes the model folder with an HF-style config that says the weights are random', () => {
    expect(readdirSync(build.dir).sort()).toEqual(
      ['README.md', 'config.json', 'model.onnx', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    const config = JSON.parse(readFileSync(join(build.dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'gemma3_text',
      architectures: ['Gemma3ForCausalLM'],
      num_hidden_layers: 6,
      hidden_size: 64,
      intermediate_size: 192,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      vocab_size: build.vocabSize,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      max_position_embeddings: 4096,
      hidden_activation: 'gelu_pytorch_tanh',
      bos_token_id: 2,
      eos_token_id: 1,
      pad_token_id: 0,
      cotlab_demo: { random_weights: true, seed: 20260124 },
    });
    expect(readFileSync(join(build.dir, 'README.md'), 'utf8')).toMatch(/random[\s\S]*meaningless clinically/);
  });

  it('is small', () => {
    const bytes = readdirSync(build.dir).reduce((sum, f) => sum + readFileSync(join(build.dir, f)).length, 0);
    expect(bytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('builds byte-identical folders every time', () => {
    const again = buildDemoModel(join(scratch, 'again'));
    expect(hashFolder(again.dir)).toEqual(hashFolder(build.dir));
  });

  it('changes its weights with the seed', () => {
    const other = buildDemoModel(join(scratch, 'seed'), { seed: 7 });
    expect(hashFolder(other.dir)['model.onnx']).not.toBe(hashFolder(build.dir)['model.onnx']);
  });
});

describe('graph layout (torch.onnx / optimum conventions)', () => {
  it('has optimum decoder inputs and outputs with KV cache', () => {
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      ...Array.from({ length: 6 }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat(),
    ]);
    expect(session.outputNames).toEqual([
      'logits',
      ...Array.from({ length: 6 }, (_, i) => [`present.${i}.key`, `present.${i}.value`]).flat(),
    ]);
    expect(opsetVersion(model)).toBe(17);
  });

  it('names nodes by module scope and chains layers through Add_1', () => {
    const nodes = model.graph?.node ?? [];
    const byName = new Map(nodes.map((n) => [n.name, n]));
    expect(byName.get('/model/embed_tokens/Gather')?.input).toEqual(['model.embed_tokens.weight', 'input_ids']);
    for (let i = 0; i < 6; i++) {
      const layer = `/model/layers.${i}`;
      for (const op of ['Pow', 'ReduceMean', 'Add', 'Sqrt', 'Div', 'Mul', 'Mul_1']) {
        expect(byName.has(`${layer}/input_layernorm/${op}`), `${layer}/input_layernorm/${op}`).toBe(true);
      }
      for (const name of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) {
        const projection = byName.get(`${layer}/self_attn/${name}/MatMul`);
        expect(projection?.input[1]).toBe(`model.layers.${i}.self_attn.${name}.weight`);
      }
      expect(byName.get(`${layer}/Add`)?.output).toEqual([`${layer}/Add_output_0`]);
      expect(byName.get(`${layer}/Add`)?.input[1]).toBe(`${layer}/post_attention_layernorm/Mul_1_output_0`);
      expect(byName.get(`${layer}/Add_1`)?.input).toEqual([
        `${layer}/Add_output_0`,
        `${layer}/post_feedforward_layernorm/Mul_1_output_0`,
      ]);
      const consumer = i < 5 ? `/model/layers.${i + 1}/input_layernorm/Pow` : '/model/norm/Pow';
      expect(byName.get(consumer)?.input[0]).toBe(`${layer}/Add_1_output_0`);
    }
    expect(byName.get('/lm_head/MatMul')?.output).toEqual(['logits']);
    for (const node of nodes) {
      for (const [k, output] of node.output.entries()) {
        if (!/^(logits|present\.)/.test(output)) expect(output).toBe(`${node.name}_output_${k}`);
      }
    }
  });

  it('ties the LM head to the single embedding matrix', () => {
    const initializers = model.graph?.initializer ?? [];
    const vocabSized = initializers.filter((t) => t.dims.map(Number).includes(build.vocabSize));
    expect(vocabSized.map((t) => t.name)).toEqual(['model.embed_tokens.weight']);
    const transpose = model.graph?.node.find((n) => n.name === '/lm_head/Transpose');
    expect(transpose?.input).toEqual(['model.embed_tokens.weight']);
    expect(model.graph?.node.find((n) => n.name === '/lm_head/MatMul')?.input[1]).toBe(transpose?.output[0]);
  });
});

describe('numerics', () => {
  it('prefills with zero-length past tensors and returns finite logits of shape [1, n, vocab]', async () => {
    const out = await runDecoder(session, build, single(PROMPT));
    expect((out.logits as ort.Tensor).dims).toEqual([1, PROMPT.length, build.vocabSize]);
    expect(data(out, 'logits').every(Number.isFinite)).toBe(true);
    expect((out['present.0.key'] as ort.Tensor).dims).toEqual([1, 2, PROMPT.length, 16]);
  });

  it('matches a TypeScript reference forward pass of the architecture (logits and every layer output)', async () => {
    const withLayers = readModel(join(build.dir, 'model.onnx'));
    const layerTensors = Array.from({ length: 6 }, (_, i) => `/model/layers.${i}/Add_1_output_0`);
    for (const name of layerTensors) withLayers.graph?.output.push(create(ValueInfoProtoSchema, { name }));
    const tapped = await ort.InferenceSession.create(encodeModel(withLayers));
    const out = await runDecoder(tapped, build, single(PROMPT));
    const reference = referenceFor(build, model);
    expect(relativeError(data(out, 'logits'), reference.logits)).toBeLessThan(1e-4);
    layerTensors.forEach((name, i) => {
      expect(relativeError(data(out, name), reference.layerOutputs[i] as Float64Array)).toBeLessThan(1e-4);
    });
  });

  it('has healthy activations: the residual norm grows over layers and the norms matter', () => {
    const reference = referenceFor(build, model);
    const meanTokenNorm = (h: Float64Array): number => {
      let total = 0;
      for (let s = 0; s < PROMPT.length; s++) total += Math.hypot(...row(h, 64, s));
      return total / PROMPT.length;
    };
    const norms = reference.layerOutputs.map(meanTokenNorm);
    norms.slice(1).forEach((norm, i) => expect(norm).toBeGreaterThan(norms[i] as number));
    expect((norms.at(-1) as number) / (norms[0] as number)).toBeGreaterThan(2);
    const finalNorm = readInitializerFloat32(model, weightNames.finalNorm);
    expect(Math.max(...finalNorm.map(Math.abs))).toBeGreaterThan(0.05);
  });

  it('continues from the KV cache: prefill n then one step equals prefill n+1 at the last position', async () => {
    const n = PROMPT.length - 1;
    const prefix = await runDecoder(session, build, single(PROMPT.slice(0, n)));
    const step = await runDecoder(
      session,
      build,
      { ids: [[PROMPT[n] as number]], mask: [PROMPT.map(() => 1)], positions: [[n]] },
      prefix,
    );
    const full = await runDecoder(session, build, single(PROMPT));
    const v = build.vocabSize;
    expect((step.logits as ort.Tensor).dims).toEqual([1, 1, v]);
    expect(relativeError(data(step, 'logits'), row(data(full, 'logits'), v, n))).toBeLessThan(1e-4);
    expect(relativeError(data(step, 'present.5.value'), data(full, 'present.5.value'))).toBeLessThan(1e-4);
  });

  it('gives right-padded batch rows the same logits at real positions as each prompt alone', async () => {
    const a = PROMPT;
    const b = [2, 64, 128, 256, 512];
    const pad = a.length - b.length;
    const batch: Batch = {
      ids: [a, [...b, ...Array<number>(pad).fill(0)]],
      mask: [a.map(() => 1), [...b.map(() => 1), ...Array<number>(pad).fill(0)]],
      positions: [a.map((_, i) => i), a.map((_, i) => i)],
    };
    const together = data(await runDecoder(session, build, batch), 'logits');
    const v = build.vocabSize;
    const aloneA = data(await runDecoder(session, build, single(a)), 'logits');
    const aloneB = data(await runDecoder(session, build, single(b)), 'logits');
    expect(relativeError(together.slice(0, a.length * v), aloneA)).toBeLessThan(1e-4);
    expect(relativeError(together.slice(a.length * v, (a.length + b.length) * v), aloneB)).toBeLessThan(1e-4);
  });
});

describe('variants', () => {
  it('external-data variant keeps large weights in model.onnx.data and agrees with the inline model', async () => {
    const external = buildDemoModel(join(scratch, 'external'), { externalData: true });
    expect(external.files).toContain('model.onnx.data');
    const graph = readModel(join(external.dir, 'model.onnx'));
    const embedding = graph.graph?.initializer.find((t) => t.name === weightNames.embedTokens);
    expect(embedding?.externalData.find((e) => e.key === 'location')?.value).toBe('model.onnx.data');
    const bits = (values: Float32Array): Buffer => Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    expect(
      bits(readInitializerFloat32(graph, weightNames.embedTokens, external.dir)).equals(
        bits(readInitializerFloat32(model, weightNames.embedTokens)),
      ),
    ).toBe(true);
    const externalSession = await ort.InferenceSession.create(join(external.dir, 'model.onnx'));
    const expected = data(await runDecoder(session, build, single(PROMPT)), 'logits');
    const logits = data(await runDecoder(externalSession, external, single(PROMPT)), 'logits');
    expect(relativeError(logits, expected)).toBe(0);
  });

  it('opset 18 variant (ReduceMean axes as input) loads and agrees', async () => {
    const v18 = buildDemoModel(join(scratch, 'opset18'), { opset: 18 });
    const graph = readModel(join(v18.dir, 'model.onnx'));
    expect(opsetVersion(graph)).toBe(18);
    const reduce = graph.graph?.node.find((n) => n.name === '/model/norm/ReduceMean');
    expect(reduce?.input).toHaveLength(2);
    expect(reduce?.attribute.map((a) => a.name)).toEqual(['keepdims']);
    const session18 = await ort.InferenceSession.create(join(v18.dir, 'model.onnx'));
    const expected = data(await runDecoder(session, build, single(PROMPT)), 'logits');
    const logits = data(await runDecoder(session18, v18, single(PROMPT)), 'logits');
    expect(relativeError(logits, expected)).toBeLessThan(1e-5);
  });

  it('builds other depths and widths and rejects impossible head layouts', async () => {
    const small = buildDemoModel(join(scratch, 'small'), { numHiddenLayers: 2, hiddenSize: 32 });
    const smallSession = await ort.InferenceSession.create(join(small.dir, 'model.onnx'));
    expect(smallSession.outputNames).toHaveLength(1 + 2 * 2);
    const smallModel = readModel(join(small.dir, 'model.onnx'));
    const out = await runDecoder(smallSession, small, single(PROMPT));
    const reference = referenceFor(small, smallModel);
    expect(relativeError(data(out, 'logits'), reference.logits)).toBeLessThan(1e-4);
    expect(() => buildDemoModel(join(scratch, 'bad'), { numAttentionHeads: 3 })).toThrow(/cannot be shared evenly/);
  });
});
