/**
 * Model host figures on a Gemma-3-270M-shaped model with prompts of real length:
 * capture (all layers pooled in-graph, LM head cut) vs a plain logits-only pass, batch 8 vs batch 1 throughput,
 * extra resident memory of a capture at 2048 vs 128 tokens, and achieved GFLOP/s vs one large MatMul.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { CLINICAL_CORPUS } from '../../scripts/demo-model/corpus.js';
import { inspectModelDir } from '../../src/model/model-dir.js';
import { openModelHost, type ModelHost } from '../../src/model/model-host.js';
import { encodeModel, makeNode, makeValueInfo, OnnxDataType } from '../../src/model/onnx-graph.js';
import { openSession, prefillFeeds } from '../../src/model/session.js';
import { GEMMA_SHAPED, gemmaShapedModel } from './gemma-shaped-model.js';
import type { BenchSection } from './section.js';

const REPEATS = 2;
const BATCH = 8;
const MATMUL_SIZE = 2048;

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Clinical text cut to exactly `tokens` tokens (the corpus repeated as needed). */
function promptOf(host: ModelHost, tokens: number): string {
  const words = CLINICAL_CORPUS.split(/\s+/).filter(Boolean);
  let text = '';
  let at = 0;
  while (host.tokenize(text).length < tokens) {
    text += `${words[at % words.length]} `;
    at += 1;
  }
  return text.trim();
}

/** Peak and current resident set from /proc (Linux); writing 5 to clear_refs resets the peak. */
function residentBytes(): { current: number; peak: number } {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { current: field('VmRSS'), peak: field('VmHWM') };
}

/** Multiply-adds x 2 of one prefill of `tokens` tokens through the decoder layers (no LM head). */
function captureFlops(tokens: number): number {
  const h = GEMMA_SHAPED.hiddenSize as number;
  const heads = GEMMA_SHAPED.numAttentionHeads as number;
  const kv = GEMMA_SHAPED.numKeyValueHeads as number;
  const d = GEMMA_SHAPED.headDim as number;
  const inter = GEMMA_SHAPED.intermediateSize as number;
  const projections = h * heads * d * 2 + h * kv * d * 2 + 3 * h * inter;
  // Scores and weighted values over the full (masked) square, as the eager graph computes them.
  const attention = 2 * heads * tokens * d;
  return 2 * tokens * (projections + attention) * (GEMMA_SHAPED.numHiddenLayers as number);
}

async function matmulGflops(): Promise<number> {
  const n = MATMUL_SIZE;
  const model = create(ModelProtoSchema, {
    irVersion: 8n,
    opsetImport: [{ domain: '', version: 18n }],
    graph: {
      name: 'matmul',
      node: [makeNode({ opType: 'MatMul', name: 'mm', inputs: ['a', 'b'], outputs: ['c'] })],
      input: [makeValueInfo('a', OnnxDataType.FLOAT, [n, n]), makeValueInfo('b', OnnxDataType.FLOAT, [n, n])],
      output: [makeValueInfo('c', OnnxDataType.FLOAT, [n, n])],
    },
  });
  const session = await InferenceSession.create(encodeModel(model), { graphOptimizationLevel: 'all' });
  const values = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const feeds = { a: new Tensor('float32', values, [n, n]), b: new Tensor('float32', values, [n, n]) };
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const start = performance.now();
    await session.run(feeds);
    times.push(seconds(start));
  }
  await session.release();
  return (2 * n ** 3) / median(times) / 1e9;
}

export function modelCaptureSection(cacheRoot: string): BenchSection {
  return {
    name: 'model capture',
    async run(log) {
      const dir = gemmaShapedModel(cacheRoot, log);
      const modelDir = inspectModelDir(dir);
      const cacheDir = path.join(cacheRoot, 'bench-capture-graphs');
      const hostOptions = { modelDir: dir, hook: 'resid_post' as const, layers: null, pooling: 'mean' as const, device: 'cpu' as const, cacheDir };
      const capture1 = await openModelHost(hostOptions);

      // (a) capture vs plain logits-only forward pass, same prompt, alternating runs after a warm-up of each.
      const prompt = promptOf(capture1, 1000);
      const ids = capture1.tokenize(prompt);
      const plain = await openSession(readFileSync(modelDir.graphPath), { device: 'cpu', externalDataDir: dir });
      const plainRun = async (): Promise<void> => {
        await plain.session.run(prefillFeeds(plain.session, [ids], modelDir.config), ['logits']);
      };
      const captureRun = async (): Promise<void> => {
        await capture1.capture(prompt, { maxInputTokens: null });
      };
      await plainRun();
      await captureRun();
      const plainTimes: number[] = [];
      const captureTimes: number[] = [];
      for (let i = 0; i < REPEATS; i += 1) {
        let start = performance.now();
        await plainRun();
        plainTimes.push(seconds(start));
        start = performance.now();
        await captureRun();
        captureTimes.push(seconds(start));
      }
      await plain.session.release();
      const plainSeconds = median(plainTimes);
      const captureSeconds = median(captureTimes);
      log(`(a) ${ids.length} tokens: plain logits-only pass ${plainSeconds.toFixed(2)} s, capture of all 18 layers ${captureSeconds.toFixed(2)} s`);

      // (b) batch 8 vs batch 1 over eight prompts of 600 to 1200 tokens.
      const lengths = Array.from({ length: BATCH }, (_, i) => 600 + Math.round((600 * i) / (BATCH - 1)));
      const prompts = lengths.map((tokens) => promptOf(capture1, tokens));
      const capture8 = await openModelHost({ ...hostOptions, batchSize: BATCH });
      await capture8.captureBatch(prompts.slice(0, 2), { maxInputTokens: null });
      let start = performance.now();
      await capture1.captureBatch(prompts, { maxInputTokens: null });
      const batch1Seconds = seconds(start);
      start = performance.now();
      await capture8.captureBatch(prompts, { maxInputTokens: null });
      const batch8Seconds = seconds(start);
      await capture8.dispose();
      await capture1.dispose();
      log(`(b) ${BATCH} prompts of ${lengths[0]}-${lengths[BATCH - 1]} tokens: batch 1 ${batch1Seconds.toFixed(2)} s, batch 8 ${batch8Seconds.toFixed(2)} s`);

      // (c) extra resident memory of one capture, each in a fresh session; capturing only the last layer (which
      // still runs every layer) shows whether memory grows with the number of captured layers.
      const measureExtra = async (tokens: number, layers: number[] | null): Promise<number> => {
        const host = await openModelHost({ ...hostOptions, layers });
        const text = promptOf(host, tokens);
        writeFileSync('/proc/self/clear_refs', '5');
        const before = residentBytes().current;
        await host.capture(text, { maxInputTokens: null });
        const grown = residentBytes().peak - before;
        await host.dispose();
        return grown;
      };
      const measurePlainExtra = async (tokens: number): Promise<number> => {
        const session = await openSession(readFileSync(modelDir.graphPath), { device: 'cpu', externalDataDir: dir });
        // Token values do not change the work of a pass; only the count matters here.
        const tokenIds = Array.from({ length: tokens }, (_, at) => 10 + ((at * 37) % 1000));
        writeFileSync('/proc/self/clear_refs', '5');
        const before = residentBytes().current;
        await session.session.run(prefillFeeds(session.session, [tokenIds], modelDir.config), ['logits']);
        const grown = residentBytes().peak - before;
        await session.session.release();
        return grown;
      };
      const lastLayer = (GEMMA_SHAPED.numHiddenLayers as number) - 1;
      const extra: Record<number, number> = { 128: await measureExtra(128, null), 2048: await measureExtra(2048, null) };
      const extraLastOnly = await measureExtra(2048, [lastLayer]);
      const halfLayers = Array.from({ length: Math.ceil((lastLayer + 1) / 2) }, (_, at) => at * 2);
      const extraHalf = await measureExtra(2048, halfLayers);
      const plainExtra2048 = await measurePlainExtra(2048);
      const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
      const fullStates = (GEMMA_SHAPED.numHiddenLayers as number) * 2048 * (GEMMA_SHAPED.hiddenSize as number) * 4;
      log(`(c) extra resident memory: ${mb(extra[128] as number)} MiB at 128 tokens, ${mb(extra[2048] as number)} MiB at 2048 (${mb(extraLastOnly)} MiB capturing only the last layer; all layers' full hidden states at 2048 would be ${mb(fullStates)} MiB more; a plain logits pass takes ${mb(plainExtra2048)} MiB)`);
      log(`    capturing every other layer (${halfLayers.length} layers) at 2048 tokens: ${mb(extraHalf)} MiB`);
      log('    attention scores grow with tokens squared in any forward pass, so 2048 vs 128 tokens grows in any case; a layers x tokens x hidden term would show as memory rising in step with the number of captured layers');

      // (d) achieved GFLOP/s of the capture vs one large MatMul.
      const captureGflops = captureFlops(ids.length) / captureSeconds / 1e9;
      const matmul = await matmulGflops();
      log(`(d) capture ${captureGflops.toFixed(1)} GFLOP/s, ${MATMUL_SIZE}^3 MatMul ${matmul.toFixed(1)} GFLOP/s`);

      return {
        capture_vs_plain: captureSeconds / plainSeconds,
        batch8_vs_batch1: batch1Seconds / batch8Seconds,
        capture_mem_2048_vs_128: (extra[2048] as number) / (extra[128] as number),
        gflops_vs_matmul: captureGflops / matmul,
        prompt_tokens: ids.length,
        plain_seconds: plainSeconds,
        capture_seconds: captureSeconds,
        batch1_seconds: batch1Seconds,
        batch8_seconds: batch8Seconds,
        capture_mem_extra_mib_128: mb(extra[128] as number),
        capture_mem_extra_mib_2048: mb(extra[2048] as number),
        capture_mem_extra_mib_2048_last_layer_only: mb(extraLastOnly),
        capture_mem_all_vs_last_layer_2048: (extra[2048] as number) / extraLastOnly,
        capture_mem_extra_mib_2048_half_layers: mb(extraHalf),
        capture_mem_half_vs_last_layer_2048: extraHalf / extraLastOnly,
        capture_mem_vs_plain_2048: (extra[2048] as number) / plainExtra2048,
        plain_mem_extra_mib_2048: mb(plainExtra2048),
        full_hidden_states_mib_2048: mb(fullStates),
        capture_gflops: captureGflops,
        matmul_gflops: matmul,
        model: `demo decoder shaped like Gemma 3 270M: 18 layers, hidden 640, vocab ${GEMMA_SHAPED.graphVocabSize}, float32, CPU`,
      };
    },
  };
}
