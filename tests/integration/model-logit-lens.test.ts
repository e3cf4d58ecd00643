import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel, type DemoModelOptions } from '../../scripts/demo-model/index.js';
import { openEmbeddingStage } from '../../src/model/embedding-stage.js';
import { inspectModelDir } from '../../src/model/model-dir.js';
import { openLensHead } from '../../src/model/lens-head.js';
import { openModelHost } from '../../src/model/model-host.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import { argmax } from '../../src/model/token-choice.js';
import { cpuHostOptions } from '../helpers/host-options.js';

/** The demo model as shipped, its genai layout (the final norm is a fused skip norm), split and int4 exports, torch exports. */
const DEMO_FIXTURES: Record<string, DemoModelOptions> = {
  optimum: {},
  genai: { layout: 'genai' },
  'genai-int4-external': { layout: 'genai', int4: true, externalData: true },
  split: { splitEmbeddings: true },
  'optimum-merged': { mergedIf: true },
};
const TORCH_EXPORTS = ['llama-kv', 'gemma3'];
const PROMPTS = [
  'Radiology report: no fracture seen.',
  'Patient',
  'Impression: fracture',
  'Histopathology report: invasive ductal carcinoma of the left breast, grade 2, margins clear.',
];
const TOP_K = 5;

let scratch: string;
const dirs = new Map<string, string>();

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'model-logit-lens-'));
  dirs.set('demo model', path.resolve('resources/demo-model'));
  for (const [name, options] of Object.entries(DEMO_FIXTURES)) {
    buildDemoModel(path.join(scratch, name), options);
    dirs.set(name, path.join(scratch, name));
  }
  for (const name of TORCH_EXPORTS) dirs.set(name, path.resolve('tests/fixtures/model/torch-export', name));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The unedited model's logits at the last position of each prompt (one full pass, batch 1). */
async function lastLogits(dir: string, prompts: readonly number[][]): Promise<Float32Array[]> {
  const modelDir = inspectModelDir(dir);
  const { session } = await openSession(readFileSync(modelDir.graphPath), { device: 'cpu', externalDataDir: path.dirname(modelDir.graphPath) });
  const embedding = modelDir.embeddingPath ? await openEmbeddingStage(modelDir.embeddingPath, modelDir.config, { device: 'cpu' }) : null;
  const rows: Float32Array[] = [];
  for (const ids of prompts) {
    const provided: Record<string, Tensor> = embedding ? { inputs_embeds: await embedding.embed([ids]) } : {};
    const logits = (await session.run(prefillFeeds(session, [ids], modelDir.config, provided), ['logits']))['logits'] as Tensor;
    const vocab = logits.dims[2] as number;
    rows.push((logits.data as Float32Array).slice((ids.length - 1) * vocab, ids.length * vocab));
  }
  await embedding?.release();
  await session.release();
  return rows;
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (value) => Math.exp(value - max));
  const total = exps.reduce((sum, value) => sum + value, 0);
  return exps.map((value) => value / total);
}

describe.each(['demo model', ...Object.keys(DEMO_FIXTURES), ...TORCH_EXPORTS])('logit lens on the %s', (name) => {
  it("the last layer's top-1 token is the unmodified model's greedy next token, with its probabilities and the gold rank", async () => {
    const dir = dirs.get(name) as string;
    const host = await openModelHost(cpuHostOptions(dir, path.join(scratch, 'cache'), { pooling: 'last_token', logitLens: { topK: TOP_K }, batchSize: 2 }));
    const ids = PROMPTS.map((text) => host.tokenize(text));
    const reference = await lastLogits(dir, ids);
    // Gold: the token the model ranks third, so its rank is known independently.
    const golds = reference.map((logits) => Array.from(logits.keys()).sort((a, b) => (logits[b] as number) - (logits[a] as number))[2] as number);
    const lensed = await host.lens(PROMPTS.map((text, at) => ({ text, goldTokenId: golds[at] as number })), { maxInputTokens: null });
    await host.dispose();
    const lastLayer = host.info.numLayers - 1;
    lensed.forEach((result, at) => {
      const logits = reference[at] as Float32Array;
      const probs = softmax(logits);
      expect(result.lens.map((layer) => layer.layer)).toEqual(host.layers);
      const last = result.lens.find((layer) => layer.layer === lastLayer)!;
      expect(last.topTokenIds[0]).toBe(argmax(logits));
      last.topTokenIds.forEach((token, rank) => expect(last.topProbs[rank]).toBeCloseTo(probs[token] as number, 5));
      expect(last.goldRank).toBe(3);
      expect(last.goldProb).toBeCloseTo(probs[golds[at] as number] as number, 5);
      for (const layer of result.lens) {
        expect(layer.topTokenIds).toHaveLength(TOP_K);
        expect([...layer.topProbs].sort((a, b) => b - a)).toEqual(layer.topProbs);
        expect(layer.goldRank).toBeGreaterThanOrEqual(1);
      }
      // The lens rides on a capture pass: the pooled last-token vectors come with it.
      expect(result.pooled).toHaveLength(host.layers.length);
    });
    // The stand-alone lens head (no forward pass) on those stored last-token vectors gives the same lens.
    const head = await openLensHead({ modelDir: dir, device: 'cpu', topK: TOP_K });
    const fromVectors = await head.lens(
      lensed.map((result, at) => ({ vectors: result.pooled, goldTokenId: golds[at] as number })),
      host.layers,
    );
    await head.dispose();
    fromVectors.forEach((layers, at) => {
      layers.forEach((layer, k) => {
        const inGraph = lensed[at]!.lens[k]!;
        expect(layer.topTokenIds).toEqual(inGraph.topTokenIds);
        expect(layer.goldRank).toBe(inGraph.goldRank);
        layer.topProbs.forEach((prob, rank) => expect(prob).toBeCloseTo(inGraph.topProbs[rank]!, 5));
      });
    });
  });
});
