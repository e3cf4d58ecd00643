/**
 * Generation and logit lens figures on the Gemma-3-270M-shaped model: KV-cached decoding vs recomputing the whole
 * sequence for every new token (1,000 prompt tokens, 64 new tokens), the cost of a capture pass through the
 * generation graph (capture outputs, next-token logits and KV cache in one session) vs the capture-only graph, and
 * the logit lens over every layer as a ratio of a capture pass.
 */
import path from 'node:path';
import { CLINICAL_CORPUS } from '../../scripts/demo-model/corpus.js';
import { openModelHost, type ModelHost, type ModelHostOptions } from '../../src/model/model-host.js';
import { gemmaShapedModel } from './gemma-shaped-model.js';
import type { BenchSection } from './section.js';

const PROMPT_TOKENS = 1000;
const NEW_TOKENS = 64;
const REPEATS = 3;

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Clinical text of exactly `tokens` tokens. */
function promptOf(host: ModelHost, tokens: number): string {
  const words = CLINICAL_CORPUS.split(/\s+/).filter(Boolean);
  let text = '';
  for (let at = 0; host.tokenize(text).length < tokens; at += 1) text += `${words[at % words.length]} `;
  return text.trim();
}

/** Median seconds of `run` over REPEATS runs after one warm-up. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i += 1) {
    const start = performance.now();
    await run();
    times.push(seconds(start));
  }
  return median(times);
}

export function generationSection(cacheRoot: string): BenchSection {
  return {
    name: 'generation',
    async run(log) {
      const dir = gemmaShapedModel(cacheRoot, log);
      const base: ModelHostOptions = {
        modelDir: dir,
        hook: 'resid_post',
        layers: null,
        pooling: 'last_token',
        device: 'cpu',
        cacheDir: path.join(cacheRoot, 'bench-capture-graphs'),
      };
      const generator = await openModelHost({ ...base, generation: true });
      const prompt = promptOf(generator, PROMPT_TOKENS);
      const decode = (useCache: boolean) =>
        generator.generate([{ text: prompt }], { maxInputTokens: null, maxNewTokens: NEW_TOKENS, sampling: null, stopStrings: [], useCache });

      // (a) cached decoding vs recomputing: the same greedy tokens, timed end to end (prefill included).
      const cachedRun = await decode(true);
      const cachedSeconds = await timed(() => decode(true));
      log(`(a) cached: ${NEW_TOKENS} tokens after a ${PROMPT_TOKENS}-token prompt in ${cachedSeconds.toFixed(2)} s`);
      const start = performance.now();
      const recomputedRun = await decode(false);
      const recomputeSeconds = seconds(start);
      log(`    recomputed (no cache): ${recomputeSeconds.toFixed(1)} s`);
      const sameTokens = JSON.stringify(cachedRun[0]?.tokenIds) === JSON.stringify(recomputedRun[0]?.tokenIds);
      const generated = cachedRun[0]?.tokenIds.length ?? 0;

      // (b) a capture pass through the generation graph vs the capture-only graph (LM head cut, no KV outputs).
      const captureOnly = await openModelHost(base);
      const captureSeconds = await timed(() => captureOnly.capture(prompt, { maxInputTokens: null }));
      const generationGraphCaptureSeconds = await timed(() => generator.capture(prompt, { maxInputTokens: null }));
      await generator.dispose();
      log(`(b) capture of all layers: capture-only graph ${captureSeconds.toFixed(2)} s, generation graph ${generationGraphCaptureSeconds.toFixed(2)} s`);

      // (c) the logit lens of every layer (final norm + LM head on each layer's last-token residual) vs a capture pass.
      const lens = await openModelHost({ ...base, logitLens: { topK: 10 } });
      const lensSeconds = await timed(() => lens.lens([{ text: prompt, goldTokenId: 0 }], { maxInputTokens: null }));
      await lens.dispose();
      await captureOnly.dispose();
      log(`(c) logit lens of all layers with its capture pass: ${lensSeconds.toFixed(2)} s`);

      return {
        cached_vs_recompute_tokens_per_s: recomputeSeconds / cachedSeconds,
        cached_tokens_per_s: generated / cachedSeconds,
        recompute_tokens_per_s: generated / recomputeSeconds,
        cached_equals_recomputed_tokens: sameTokens,
        generation_prompt_tokens: PROMPT_TOKENS,
        generation_new_tokens: generated,
        generation_graph_capture_vs_capture_only: generationGraphCaptureSeconds / captureSeconds,
        logit_lens_vs_capture: lensSeconds / captureSeconds,
        logit_lens_seconds: lensSeconds,
        capture_only_seconds_1000: captureSeconds,
      };
    },
  };
}
