import path from 'node:path';
import type { WorkbenchConfig } from '../config/schemas.js';
import type { Seed } from '../results/seed.js';
import { resolveVariants } from '../config/variants.js';
import { loadDataset } from '../datasets/load-dataset.js';
import type { LoadedDataset } from '../datasets/sample.js';
import { selectSampleIndices } from '../datasets/sampling.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { datasetFormatWarning, loadPromptStrategy, type PromptStrategy } from '../prompts/strategy.js';

/** One run of the experiment, with its data loaded and its samples chosen. */
export interface PlannedRun {
  index: number;
  name: string;
  datasetSpec: DatasetSpec;
  dataset: LoadedDataset;
  prompt: PromptStrategy;
  /** Set when the prompt is written for other dataset formats than this dataset's; the run still goes ahead. */
  datasetWarning: string | null;
  seed: Seed;
  /** As configured (null: the whole dataset). */
  numSamplesRequested: number | null;
  /** Dataset indices in processing order (CPython's random.sample order). */
  sampleIndices: number[];
}

export interface PlanContext {
  /** Relative dataset paths resolve against this directory. */
  dataRoot: string;
  configDir: string;
}

/**
 * Loads each variant's dataset and prompt strategy (each distinct one once) and picks its samples exactly as
 * CoTLab does: random.seed(seed); random.sample(range(len(dataset)), k).
 */
export async function planRuns(config: WorkbenchConfig, context: PlanContext): Promise<PlannedRun[]> {
  const datasets = new Map<string, LoadedDataset>();
  const prompts = new Map<string, PromptStrategy>();
  const runs: PlannedRun[] = [];
  for (const [index, variant] of resolveVariants(config).entries()) {
    const datasetKey = JSON.stringify({ ...variant.dataset, path: path.resolve(context.dataRoot, variant.dataset.path) });
    let dataset = datasets.get(datasetKey);
    if (!dataset) {
      dataset = await loadDataset(variant.dataset, context.dataRoot);
      datasets.set(datasetKey, dataset);
    }
    const promptKey = JSON.stringify(variant.prompt);
    let prompt = prompts.get(promptKey);
    if (!prompt) {
      prompt = loadPromptStrategy(variant.prompt, context.configDir);
      prompts.set(promptKey, prompt);
    }
    runs.push({
      index,
      name: variant.name,
      datasetSpec: variant.dataset,
      dataset,
      prompt,
      datasetWarning: datasetFormatWarning(prompt, variant.dataset),
      seed: variant.seed,
      numSamplesRequested: variant.num_samples,
      sampleIndices: selectSampleIndices(dataset.samples.length, variant.num_samples, variant.seed),
    });
  }
  return runs;
}
