/**
 * Probing cost: the per-layer linear probes (`cotlab-wb probe`) of 600 samples of the Gemma-3-270M-shaped model,
 * as a ratio of the time it took to capture those 600 samples, both measured here in one run. Prompts are clinical
 * text of a realistic prompt length; each sample's label is the corpus passage its prompt starts from, so the
 * probes have something to find.
 */
import { CLINICAL_CORPUS } from '../../scripts/demo-model/corpus.js';
import { DEFAULT_PROBE_SETTINGS } from '../../src/analytics/probing.js';
import { probeLayersInThreads } from '../../src/experiments/probe-in-threads.js';
import { openModelHost } from '../../src/model/model-host.js';
import { inspectModelDir } from '../../src/model/model-dir.js';
import { SIGNIFICANCE_LEVEL } from '../../src/results/significance.js';
import { GEMMA_SHAPED, gemmaShapedModel } from './gemma-shaped-model.js';
import type { BenchSection } from './section.js';

const SAMPLES = 600;
const CLASSES = 5;
/** About what a few-shot histopathology or radiology prompt of the bundled strategies takes. */
const PROMPT_WORDS = 550;

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

/** PROMPT_WORDS words of the corpus starting at a passage chosen by the sample's class, shifted per sample. */
function promptFor(words: readonly string[], sample: number): { text: string; label: number } {
  const label = sample % CLASSES;
  const start = Math.floor((label * words.length) / CLASSES) + Math.floor(sample / CLASSES);
  return { text: Array.from({ length: PROMPT_WORDS }, (_, i) => words[(start + i) % words.length]).join(' '), label };
}

export function probingSection(cacheRoot: string): BenchSection {
  return {
    name: 'probing',
    async run(log) {
      const modelDir = gemmaShapedModel(cacheRoot, log);
      const layers = Array.from({ length: GEMMA_SHAPED.numHiddenLayers as number }, (_, k) => k);
      const host = await openModelHost({ modelDir, hook: 'resid_post', layers, pooling: 'mean', device: 'cpu', cacheDir: cacheRoot });
      const words = CLINICAL_CORPUS.split(/\s+/).filter(Boolean);
      const vectorsByLayer: Float32Array[][] = layers.map(() => []);
      const labels: number[] = [];
      let tokens = 0;
      const captureStart = performance.now();
      for (let sample = 0; sample < SAMPLES; sample++) {
        const { text, label } = promptFor(words, sample);
        const captured = await host.capture(text, { maxInputTokens: null });
        captured.pooled.forEach((vector, k) => vectorsByLayer[k]?.push(vector));
        labels.push(label);
        tokens += captured.tokenCount;
      }
      const captureSeconds = seconds(captureStart);
      await host.dispose();
      log(`  captured ${SAMPLES} samples of about ${Math.round(tokens / SAMPLES)} tokens in ${captureSeconds.toFixed(0)} s`);
      const probeStart = performance.now();
      const result = await probeLayersInThreads({
        layers,
        vectorsByLayer,
        labels,
        sampleIndices: labels.map((_, i) => i),
        settings: { ...DEFAULT_PROBE_SETTINGS, seed: 42, significanceLevel: SIGNIFICANCE_LEVEL },
      });
      const probeSeconds = seconds(probeStart);
      log(`  probed ${layers.length} layers x ${inspectModelDir(modelDir).config.hiddenSize} features in ${probeSeconds.toFixed(0)} s (best layer ${result.bestLayer})`);
      return {
        probing_samples: SAMPLES,
        probing_prompt_tokens: Math.round(tokens / SAMPLES),
        probing_capture_seconds: captureSeconds,
        probing_seconds: probeSeconds,
        probing_vs_capture: probeSeconds / captureSeconds,
      };
    },
  };
}
