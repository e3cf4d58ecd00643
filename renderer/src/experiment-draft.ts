import type { DatasetSource, ExperimentDefaults, ExperimentKind, ExperimentRequest, ExperimentSettings, ExperimentTypeSettings, PromptChoice, PromptStrategyInfo } from '../../src/contract/index.js';
import type { OpenDataset } from './dataset-choices.js';
import { formatLayerSpec } from './layer-spec.js';

/** One variant as the form holds it: numbers stay text until the run is requested. */
export interface VariantDraft {
  name: string;
  dataset: DatasetSource;
  prompt: PromptChoice;
  numSamples: string;
  seed: string;
}

/** How answers are generated, as the form holds it (numbers as text). */
export interface GenerationDraft {
  maxNewTokens: string;
  doSample: boolean;
  temperature: string;
  topP: string;
  /** Blank: the experiment's seed. */
  seed: string;
}

export interface ExperimentDraft {
  experimentType: ExperimentKind;
  /** activation_compare: also generate and score each sample's answer. */
  recordAnswers: boolean;
  /** null for logit_lens, which generates nothing. */
  generation: GenerationDraft | null;
  /** logit_lens: tokens per layer. */
  topK: string;
  /** null: no answer cue. */
  answerCue: string | null;
  variants: VariantDraft[];
  layers: string;
  pooling: ExperimentRequest['pooling'];
  comparisonMode: ExperimentRequest['comparisonMode'];
  hook: ExperimentRequest['hook'];
  maxInputTokens: string;
}

function samplesText(numSamples: number | null): string {
  return numSamples === null ? 'all' : String(numSamples);
}

/** The type-dependent settings as the form holds them. */
function typeDraft(settings: ExperimentTypeSettings): Pick<ExperimentDraft, 'experimentType' | 'recordAnswers' | 'generation' | 'topK' | 'answerCue'> {
  const { generation } = settings;
  return {
    experimentType: settings.experimentType,
    recordAnswers: settings.recordAnswers,
    generation:
      generation === null
        ? null
        : {
            maxNewTokens: String(generation.maxNewTokens),
            doSample: generation.doSample,
            temperature: String(generation.temperature),
            topP: String(generation.topP),
            seed: generation.seed === null ? '' : String(generation.seed),
          },
    topK: settings.topK === null ? '' : String(settings.topK),
    answerCue: settings.answerCue,
  };
}

/** The draft with another experiment type: that type's configured settings (from the engine's defaults), the rest kept. */
export function withExperimentType(draft: ExperimentDraft, kind: ExperimentKind, typeDefaults: ExperimentDefaults['typeDefaults']): ExperimentDraft {
  return { ...draft, ...typeDraft(typeDefaults[kind]) };
}

/** Settings the engine gave (the configs' defaults, or what a stored run recorded) as the form shows them. */
export function draftFromSettings(settings: ExperimentSettings): ExperimentDraft {
  return {
    ...typeDraft(settings),
    variants: settings.variants.map((variant) => ({
      name: variant.name,
      dataset: variant.dataset,
      prompt: variant.prompt,
      numSamples: samplesText(variant.numSamples),
      seed: String(variant.seed),
    })),
    layers: formatLayerSpec(settings.layers),
    pooling: settings.pooling,
    comparisonMode: settings.comparisonMode,
    hook: settings.hook,
    maxInputTokens: settings.maxInputTokens === null ? '' : String(settings.maxInputTokens),
  };
}

/** A variant name from a dataset's name: the characters a variant name may hold, the others as `_`. */
export function variantNameFor(label: string): string {
  return label.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '') || 'variant';
}

/** A new variant on a dataset, with the prompt strategy of the same name when there is one, and the configs' samples and seed. */
export function newVariant(dataset: OpenDataset, prompts: readonly PromptStrategyInfo[], defaults: Pick<ExperimentDefaults, 'numSamples' | 'seed'>, taken: readonly string[]): VariantDraft {
  const strategy = prompts.find((prompt) => prompt.name === dataset.label) ?? prompts[0];
  const base = variantNameFor(dataset.label);
  let name = base;
  for (let copy = 2; taken.includes(name); copy += 1) name = `${base}_${copy}`;
  return {
    name,
    dataset: dataset.source,
    prompt: strategy ? { name: strategy.name, options: strategy.defaults } : { name: '', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } },
    numSamples: samplesText(defaults.numSamples),
    seed: String(defaults.seed),
  };
}

/**
 * The samples a variant asks for: null for the whole dataset (blank, "all", or 0 or less as in CoTLab), else the
 * count; undefined when the text is not a whole number.
 */
export function samplesOf(text: string): number | null | undefined {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === '' || trimmed === 'all') return null;
  if (!/^[-+]?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return value <= 0 ? null : value;
}

/** A seed as typed: a whole number JSON carries exactly (negative too, as CPython takes); undefined otherwise. */
export function seedOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[-+]?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A positive number as typed (temperature, top-p); undefined when it is not one. */
export function positiveOf(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d*\.?\d+(e[-+]?\d+)?$/i.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Max input tokens: null for no limit (blank), else a whole number of at least 1; undefined when not. */
export function maxTokensOf(text: string): number | null | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) return undefined;
  return Number(trimmed);
}
