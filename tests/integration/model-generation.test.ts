import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel, type DemoModelOptions } from '../../scripts/demo-model/index.js';
import { openEmbeddingStage } from '../../src/model/embedding-stage.js';
import { ModelError } from '../../src/model/errors.js';
import { inspectModelDir } from '../../src/model/model-dir.js';
import { openModelHost, type ModelHost } from '../../src/model/model-host.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import { argmax } from '../../src/model/token-choice.js';
import { cpuHostOptions } from '../helpers/host-options.js';

/** Every export layout of the demo model the host reads, and the torch.onnx exports (with and without KV cache). */
const DEMO_FIXTURES: Record<string, DemoModelOptions> = {
  optimum: {},
  'optimum-int4-external': { int4: true, externalData: true, opset: 18 },
  'optimum-merged': { mergedIf: true },
  genai: { layout: 'genai' },
  'genai-plain-attention': { layout: 'genai', attention: 'ops' },
  'genai-int4-external': { layout: 'genai', int4: true, externalData: true },
  split: { splitEmbeddings: true },
};
const TORCH_EXPORTS = ['llama', 'llama-kv', 'gemma3', 'gemma3-kv'];
const NEW_TOKENS = 12;
const PROMPTS = ['Radiology report: no fracture seen.', 'Patient', 'Impression: fracture'];

let scratch: string;
const dirs = new Map<string, string>();

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-generation-'));
  for (const [name, options] of Object.entries(DEMO_FIXTURES)) {
    buildDemoModel(path.join(scratch, name), options);
    dirs.set(name, path.join(scratch, name));
  }
  for (const name of TORCH_EXPORTS) dirs.set(name, path.resolve('tests/fixtures/model/torch-export', name));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The reference: the unedited model file, one full forward pass over prompt + tokens so far for every new token (no
 * cache), the argmax of the last position's logits.
 */
async function recomputedGreedy(dir: string, ids: readonly number[], count: number): Promise<number[]> {
  const modelDir = inspectModelDir(dir);
  const { session } = await openSession(readFileSync(modelDir.graphPath), { device: 'cpu', externalDataDir: path.dirname(modelDir.graphPath) });
  const embedding = modelDir.embeddingPath ? await openEmbeddingStage(modelDir.embeddingPath, modelDir.config, { device: 'cpu' }) : null;
  const generated: number[] = [];
  for (let step = 0; step < count; step++) {
    const sequence = [...ids, ...generated];
    const provided: Record<string, Tensor> = embedding ? { inputs_embeds: await embedding.embed([sequence]) } : {};
    const logits = (await session.run(prefillFeeds(session, [sequence], modelDir.config, provided), ['logits']))['logits'] as Tensor;
    const vocab = logits.dims[2] as number;
    generated.push(argmax(logits.data as Float32Array, (sequence.length - 1) * vocab, vocab));
  }
  await embedding?.release();
  await session.release();
  return generated;
}

async function generationHost(dir: string, batchSize: number): Promise<ModelHost> {
  return openModelHost(cpuHostOptions(dir, path.join(scratch, 'cache'), { generation: true, batchSize }));
}

describe.each([...Object.keys(DEMO_FIXTURES), ...TORCH_EXPORTS])('generation on the %s export', (name) => {
  it('KV-cached greedy decoding emits exactly the argmax tokens of repeated full passes of the unedited model', async () => {
    const dir = dirs.get(name) as string;
    const host = await generationHost(dir, 1);
    const generated = await host.generate(
      PROMPTS.map((text) => ({ text })),
      { maxInputTokens: null, maxNewTokens: NEW_TOKENS, sampling: null, stopStrings: [] },
    );
    for (const [at, result] of generated.entries()) {
      const ids = host.tokenize(PROMPTS[at] as string);
      expect(result.tokenCount).toBe(ids.length);
      expect(result.tokenIds).toEqual(await recomputedGreedy(dir, ids, result.tokenIds.length));
      expect(result.tokenIds.length === NEW_TOKENS || result.stopReason === 'eos').toBe(true);
    }
    await host.dispose();
  });

  it('a batch of prompts of different lengths decodes as each prompt alone, cached or recomputed', async () => {
    const dir = dirs.get(name) as string;
    const options = { maxInputTokens: null, maxNewTokens: 6, sampling: null, stopStrings: [] };
    const single = await generationHost(dir, 1);
    const alone = await single.generate(PROMPTS.map((text) => ({ text })), options);
    await single.dispose();
    const batched = await generationHost(dir, PROMPTS.length);
    const together = await batched.generate(PROMPTS.map((text) => ({ text })), options);
    const recomputed = await batched.generate(PROMPTS.map((text) => ({ text })), { ...options, useCache: false });
    await batched.dispose();
    expect(together.map((result) => result.tokenIds)).toEqual(alone.map((result) => result.tokenIds));
    expect(recomputed.map((result) => result.tokenIds)).toEqual(alone.map((result) => result.tokenIds));
    together.forEach((result, at) => {
      const reference = alone[at]!;
      result.pooled.forEach((vector, layer) => {
        const expected = reference.pooled[layer]!;
        const scale = Math.max(...expected.map(Math.abs));
        expect(Math.max(...vector.map((value, i) => Math.abs(value - expected[i]!))) / scale).toBeLessThan(1e-4);
      });
    });
  });
});

describe('stopping', () => {
  it('a row stops at a token the model folder declares as EOS, the others decode on', async () => {
    const source = dirs.get('optimum') as string;
    const probe = await generationHost(source, 1);
    const free = await probe.generate(PROMPTS.map((text) => ({ text })), { maxInputTokens: null, maxNewTokens: NEW_TOKENS, sampling: null, stopStrings: [] });
    await probe.dispose();
    // A token the third prompt's greedy continuation reaches after its first, which the other rows never emit, becomes an EOS.
    const eos = free[2]!.tokenIds.find((token, at) => at > 0 && token !== free[2]!.tokenIds[0] && !free[0]!.tokenIds.includes(token) && !free[1]!.tokenIds.includes(token));
    expect(eos).toBeDefined();
    const dir = path.join(scratch, 'eos-declared');
    cpSync(source, dir, { recursive: true });
    writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [1, eos] }));
    const host = await generationHost(dir, PROMPTS.length);
    expect(host.stopTokenIds).toContain(eos);
    const stopped = await host.generate(PROMPTS.map((text) => ({ text })), { maxInputTokens: null, maxNewTokens: NEW_TOKENS, sampling: null, stopStrings: [] });
    await host.dispose();
    const cut = free[2]!.tokenIds.indexOf(eos!) + 1;
    expect(stopped[2]).toMatchObject({ stopReason: 'eos', tokenIds: free[2]!.tokenIds.slice(0, cut) });
    expect(stopped[0]!.tokenIds).toEqual(free[0]!.tokenIds);
    expect(stopped[1]!.tokenIds).toEqual(free[1]!.tokenIds);
  });

  it('a stop string ends a row once the generated text contains it, and the text keeps it', async () => {
    const host = await generationHost(dirs.get('optimum') as string, 1);
    const free = await host.generate([{ text: PROMPTS[2]! }], { maxInputTokens: null, maxNewTokens: NEW_TOKENS, sampling: null, stopStrings: [] });
    const twoTokens = host.tokenizer.decode(free[0]!.tokenIds.slice(0, 2));
    const stop = twoTokens.slice(-3);
    const [stopped] = await host.generate([{ text: PROMPTS[2]! }], { maxInputTokens: null, maxNewTokens: NEW_TOKENS, sampling: null, stopStrings: [stop] });
    await host.dispose();
    expect(stopped!.stopReason).toBe('stop_string');
    expect(stopped!.text.endsWith(stop)).toBe(true);
    expect(stopped!.tokenIds.length).toBeLessThanOrEqual(2);
  });

  it('sampling with the same random draws repeats itself; temperature near zero is greedy', async () => {
    const host = await generationHost(dirs.get('optimum') as string, 2);
    const draws = (seed: number) => {
      let state = seed;
      return () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    };
    const options = { maxInputTokens: null, maxNewTokens: 8, stopStrings: [] };
    const first = await host.generate([{ text: PROMPTS[0]!, random: draws(7) }], { ...options, sampling: { temperature: 1.5, topP: 0.9 } });
    const again = await host.generate([{ text: PROMPTS[0]!, random: draws(7) }], { ...options, sampling: { temperature: 1.5, topP: 0.9 } });
    const cold = await host.generate([{ text: PROMPTS[0]!, random: draws(3) }], { ...options, sampling: { temperature: 1e-6, topP: 1 } });
    const greedy = await host.generate([{ text: PROMPTS[0]! }], { ...options, sampling: null });
    await host.dispose();
    expect(again[0]!.tokenIds).toEqual(first[0]!.tokenIds);
    expect(cold[0]!.tokenIds).toEqual(greedy[0]!.tokenIds);
  });
});

describe('capabilities', () => {
  it('a model without KV cache outputs still generates, recomputing, and says so', async () => {
    const host = await generationHost(dirs.get('llama') as string, 1);
    expect(host.info.capabilities).toMatchObject({ lmHead: true, kvCache: false, experiments: ['activation_compare', 'classification', 'logit_lens'] });
    expect(host.info.capabilities.notes.join(' ')).toMatch(/No KV cache.*recomputes/);
    await host.dispose();
  });

  it('a model without an LM head says which experiments it can still run', async () => {
    const dir = path.join(scratch, 'no-head');
    buildDemoModel(dir, {});
    const modelDir = inspectModelDir(dir);
    // Cut the LM head: the graph's outputs become the final norm's output instead of logits.
    const { decodeModel, encodeModel } = await import('../../src/model/onnx-graph.js');
    const model = decodeModel(readFileSync(modelDir.graphPath));
    const graph = model.graph!;
    const normOutput = graph.node.find((node) => node.name === '/lm_head/MatMul')!.input[0]!;
    graph.node = graph.node.filter((node) => !node.name.startsWith('/lm_head/'));
    graph.output = graph.output.filter((output) => output.name !== 'logits');
    graph.output.push({ ...graph.output[0]!, name: normOutput });
    writeFileSync(modelDir.graphPath, encodeModel(model));
    const capture = await openModelHost(cpuHostOptions(dir, path.join(scratch, 'cache')));
    expect(capture.info.capabilities).toMatchObject({ lmHead: false, experiments: ['activation_compare'] });
    await capture.dispose();
    await expect(generationHost(dir, 1)).rejects.toThrow(ModelError);
    await expect(generationHost(dir, 1)).rejects.toThrow(/can run activation_compare only/);
  });
});
