import type { ExperimentRequest, PromptChoice, PromptStrategyInfo } from '../../src/contract/index.js';
import { parseLayerSpec } from './layer-spec.js';
import type { OpenDataset } from './workspace.js';

/** One variant as the form holds it: numbers stay text until the run is requested. */
export interface VariantDraft {
  name: string;
  datasetKey: string;
  prompt: PromptChoice;
  numSamples: string;
  seed: string;
}

export interface ExperimentDraft {
  variants: VariantDraft[];
  layers: string;
  pooling: ExperimentRequest['pooling'];
  comparisonMode: ExperimentRequest['comparisonMode'];
  hook: ExperimentRequest['hook'];
  maxInputTokens: string;
}

/** One variant per opened dataset, each with the prompt strategy of the same name when there is one. */
export function initialDraft(datasets: readonly OpenDataset[], prompts: readonly PromptStrategyInfo[]): ExperimentDraft {
  return {
    variants: datasets.slice(0, 4).map((dataset) => variantFor(dataset, prompts)),
    layers: 'all',
    pooling: 'last_token',
    comparisonMode: 'pairwise',
    hook: 'resid_post',
    maxInputTokens: '',
  };
}

export function variantFor(dataset: OpenDataset, prompts: readonly PromptStrategyInfo[]): VariantDraft {
  const strategy = prompts.find((prompt) => prompt.name === dataset.label) ?? prompts[0];
  return {
    name: dataset.label.replace(/[^A-Za-z0-9_.-]+/g, '_'),
    datasetKey: dataset.key,
    prompt: strategy ? { name: strategy.name, options: strategy.defaults } : { name: '', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
    numSamples: '20',
    seed: '42',
  };
}

export class DraftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DraftError';
  }
}

function wholeNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new DraftError(`${what} must be a whole number, not "${text}".`);
  return Number(text.trim());
}

/** A seed may be negative (CPython seeds -n like n); the contract checks its range. */
function seedNumber(text: string, what: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new DraftError(`${what} must be a whole number, not "${text}".`);
  return Number(text.trim());
}

/** Turns the form into a contract request; the server validates it again. */
export function draftToRequest(draft: ExperimentDraft, datasets: readonly OpenDataset[], modelDir: string | null): ExperimentRequest {
  return {
    modelDir,
    variants: draft.variants.map((variant) => {
      const dataset = datasets.find((entry) => entry.key === variant.datasetKey);
      if (!dataset) throw new DraftError(`Variant "${variant.name}" has no dataset: open one on the Datasets screen.`);
      return {
        name: variant.name.trim(),
        dataset: dataset.source,
        prompt: variant.prompt,
        numSamples: variant.numSamples.trim() === '' || variant.numSamples.trim() === 'all' ? null : wholeNumber(variant.numSamples, `Samples of "${variant.name}"`),
        seed: seedNumber(variant.seed, `Seed of "${variant.name}"`),
      };
    }),
    layers: parseLayerSpec(draft.layers),
    pooling: draft.pooling,
    comparisonMode: draft.comparisonMode,
    hook: draft.hook,
    maxInputTokens: draft.maxInputTokens.trim() === '' ? null : wholeNumber(draft.maxInputTokens, 'Max input tokens'),
  };
}
