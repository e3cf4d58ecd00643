import type { ExperimentRequest, ModelInspection, PromptStrategyInfo } from '../../src/contract/index.js';
import { datasetKeyOf, type OpenDataset } from './dataset-choices.js';
import { maxTokensOf, positiveOf, samplesOf, seedOf, type ExperimentDraft } from './experiment-draft.js';
import { LayerSpecError, parseLayerSpec } from './layer-spec.js';

/** What stops a run, tied to the form field it is about (`model`, `variants`, `layers`, `max-tokens`, `variant-N-<field>`). */
export interface DraftProblem {
  field: string;
  message: string;
}

export interface DraftCheck {
  /** The request to send; null while there are problems. */
  request: ExperimentRequest | null;
  problems: DraftProblem[];
  /** What will happen that the researcher may not expect, without stopping the run. */
  notes: string[];
}

export interface DraftContext {
  /** False until the prompt strategies and bundled datasets are loaded: nothing is said about them before. */
  catalogLoaded: boolean;
  datasets: readonly OpenDataset[];
  prompts: readonly PromptStrategyInfo[];
  modelDir: string | null;
  /** null while the model folder is being inspected. */
  model: ModelInspection | null;
}

/** The contract's limits, said again here so the form can name them before sending. */
const MAX_VARIANTS = 12;
const MAX_NAME_LENGTH = 80;
const SEED_RANGE = `from ${-Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;

function listed(numbers: readonly number[]): string {
  return numbers.length === 1 ? String(numbers[0]) : `${numbers.slice(0, -1).join(', ')} and ${numbers.at(-1)}`;
}

function modelProblems(context: DraftContext): DraftProblem[] {
  const { model } = context;
  if (model === null) return [{ field: 'model', message: 'The model is still being checked.' }];
  if (model.ok) return [];
  const what = context.modelDir === null ? 'The bundled demo model' : `The model folder ${model.dir}`;
  const why = model.problems[0] ?? 'its decoder layers could not be found';
  return [{ field: 'model', message: `${what} cannot be used: ${why} Choose another on the Model screen.` }];
}

function layerProblems(draft: ExperimentDraft, model: ModelInspection | null): { layers: number[] | null; problems: DraftProblem[] } {
  let layers: number[] | null;
  try {
    layers = parseLayerSpec(draft.layers);
  } catch (error) {
    if (!(error instanceof LayerSpecError)) throw error;
    return { layers: null, problems: [{ field: 'layers', message: `${error.message} Use "all", or layer numbers and ranges such as 0-5, 8.` }] };
  }
  const depth = model?.ok ? model.numLayers : null;
  const missing = layers === null || depth === null ? [] : layers.filter((layer) => layer >= depth);
  if (missing.length > 0 && depth !== null) {
    const which = missing.length === 1 ? `Layer ${missing[0]} does not exist` : `Layers ${listed(missing)} do not exist`;
    return { layers, problems: [{ field: 'layers', message: `${which}: this model has ${depth} layers, numbered 0 to ${depth - 1}.` }] };
  }
  return { layers, problems: [] };
}

const TYPE_WORDS: Record<ExperimentDraft['experimentType'], string> = {
  activation_compare: 'activation_compare',
  classification: 'classification (generates answers)',
  logit_lens: 'the logit lens',
};

/** The model must be able to run the type (an LM head to generate or read the lens), as the engine said on inspection. */
function typeProblems(draft: ExperimentDraft, model: ModelInspection | null): DraftProblem[] {
  const capabilities = model?.ok ? model.capabilities : null;
  const generates = draft.experimentType === 'classification' || (draft.experimentType === 'activation_compare' && draft.recordAnswers);
  const needed = draft.experimentType === 'activation_compare' && generates ? 'classification' : draft.experimentType;
  if (capabilities === null || capabilities === undefined || capabilities.experiments.includes(needed)) return [];
  const why = capabilities.notes[0] ?? '';
  return [{ field: 'experiment-type', message: `This model cannot run ${generates && needed === 'classification' && draft.experimentType === 'activation_compare' ? 'recorded answers' : TYPE_WORDS[draft.experimentType]}. ${why}`.trim() }];
}

/** The generation settings as the request's, with a problem per field that is not a valid number. */
function generationRequest(draft: ExperimentDraft, problems: DraftProblem[]): ExperimentRequest['generation'] {
  const generation = draft.generation;
  const generates = draft.experimentType === 'classification' || (draft.experimentType === 'activation_compare' && draft.recordAnswers);
  if (generation === null || !generates) return undefined;
  const maxNewTokens = Number(generation.maxNewTokens.trim());
  if (!/^\d+$/.test(generation.maxNewTokens.trim()) || maxNewTokens < 1 || maxNewTokens > 4096) {
    problems.push({ field: 'max-new-tokens', message: `Max new tokens must be a whole number from 1 to 4096; "${generation.maxNewTokens.trim()}" is not.` });
  }
  const temperature = positiveOf(generation.temperature);
  const topP = positiveOf(generation.topP);
  if (generation.doSample && temperature === undefined) problems.push({ field: 'temperature', message: `The temperature must be a number above 0; "${generation.temperature.trim()}" is not.` });
  if (generation.doSample && (topP === undefined || topP > 1)) problems.push({ field: 'top-p', message: `Top-p must be a number above 0 and at most 1; "${generation.topP.trim()}" is not.` });
  const seedText = generation.seed.trim();
  const seed = seedText === '' ? null : seedOf(seedText);
  if (seed === undefined) problems.push({ field: 'generation-seed', message: `The sampling seed must be a whole number ${SEED_RANGE}, or blank for the experiment's seed.` });
  return { maxNewTokens, doSample: generation.doSample, temperature: temperature ?? 1, topP: topP ?? 1, seed: seed ?? null };
}

/**
 * Everything that would make a run fail or surprise, said in a researcher's words before Run is pressed: the model,
 * the layers against the model's depth, each variant's name, dataset, prompt, samples and seed, and names that
 * clash. The request is built only when nothing stops it.
 */
export function checkDraft(draft: ExperimentDraft, context: DraftContext): DraftCheck {
  const problems: DraftProblem[] = [...modelProblems(context)];
  if (!context.catalogLoaded) problems.push({ field: 'catalog', message: 'The prompt strategies and datasets are still loading.' });
  const notes: string[] = [];
  if (draft.variants.length === 0) problems.push({ field: 'variants', message: 'Add at least one variant.' });
  if (draft.variants.length > MAX_VARIANTS) problems.push({ field: 'variants', message: `At most ${MAX_VARIANTS} variants can run in one experiment; remove ${draft.variants.length - MAX_VARIANTS}.` });

  const names = draft.variants.map((variant) => variant.name.trim());
  const variants = draft.variants.map((variant, index) => {
    const name = names[index] as string;
    const who = name === '' ? `Variant ${index + 1}` : `Variant "${name}"`;
    const field = (part: string) => `variant-${index}-${part}`;
    if (name === '') problems.push({ field: field('name'), message: `Variant ${index + 1} needs a name.` });
    else if (!/^[A-Za-z0-9_.-]+$/.test(name)) problems.push({ field: field('name'), message: `The name "${name}" may hold only letters, digits, dot, dash and underscore.` });
    else if (name.length > MAX_NAME_LENGTH) problems.push({ field: field('name'), message: `The name of variant ${index + 1} is longer than ${MAX_NAME_LENGTH} characters.` });
    else if (names.indexOf(name) !== index) problems.push({ field: field('name'), message: `Two variants are named "${name}": give each variant its own name.` });

    const dataset = context.datasets.find((entry) => entry.key === datasetKeyOf(variant.dataset));
    if (dataset === undefined && context.catalogLoaded) {
      const what = variant.dataset.kind === 'bundled' ? variant.dataset.name : variant.dataset.path;
      problems.push({ field: field('dataset'), message: `${who} uses the dataset ${what}, which is not open: open it on the Datasets screen or pick another.` });
    }
    const strategy = context.prompts.find((prompt) => prompt.name === variant.prompt.name);
    if (strategy === undefined) {
      if (context.catalogLoaded) problems.push({ field: field('prompt'), message: `${who} uses the prompt strategy "${variant.prompt.name}", which does not exist: pick another.` });
    } else if (!strategy.outputFormats.includes(variant.prompt.options.outputFormat)) {
      problems.push({ field: field('format'), message: `${who}: the prompt "${strategy.name}" has no ${variant.prompt.options.outputFormat} output format.` });
    }

    const samples = samplesOf(variant.numSamples);
    if (samples === undefined) {
      problems.push({ field: field('samples'), message: `${who}: samples must be a whole number, or "all" (or blank) for the whole dataset; "${variant.numSamples.trim()}" is not.` });
    } else if (samples !== null && dataset !== undefined && samples > dataset.totalSamples) {
      notes.push(`${who} asks for ${samples} samples; ${dataset.label} has ${dataset.totalSamples}, so it will use all ${dataset.totalSamples}.`);
    }
    const seed = seedOf(variant.seed);
    if (seed === undefined) {
      problems.push({
        field: field('seed'),
        message: `${who}: the seed must be a whole number ${SEED_RANGE} ("${variant.seed.trim()}" is not); set a larger seed with experiment.seed in a config or on the command line.`,
      });
    }
    return { name, dataset: variant.dataset, prompt: variant.prompt, numSamples: samples ?? null, seed: seed ?? 0 };
  });

  const { layers, problems: layerIssues } = layerProblems(draft, context.model);
  if (draft.experimentType !== 'classification') problems.push(...layerIssues);
  problems.push(...typeProblems(draft, context.model));
  const generation = generationRequest(draft, problems);
  const topK = Number(draft.topK.trim());
  if (draft.experimentType === 'logit_lens' && (!/^\d+$/.test(draft.topK.trim()) || topK < 1 || topK > 100)) {
    problems.push({ field: 'top-k', message: `Top tokens per layer must be a whole number from 1 to 100; "${draft.topK.trim()}" is not.` });
  }
  const maxInputTokens = maxTokensOf(draft.maxInputTokens);
  if (maxInputTokens === undefined) {
    problems.push({ field: 'max-tokens', message: `Max input tokens must be a whole number of at least 1, or blank for no limit; "${draft.maxInputTokens.trim()}" is not.` });
  }

  if (problems.length > 0) return { request: null, problems, notes };
  return {
    request: {
      modelDir: context.modelDir,
      variants,
      layers,
      pooling: draft.pooling,
      comparisonMode: draft.comparisonMode,
      hook: draft.hook,
      maxInputTokens: maxInputTokens ?? null,
      experimentType: draft.experimentType,
      recordAnswers: draft.experimentType === 'activation_compare' && draft.recordAnswers,
      ...(generation === undefined ? {} : { generation }),
      ...(draft.experimentType === 'logit_lens' ? { topK } : {}),
      answerCue: draft.answerCue,
    },
    problems,
    notes,
  };
}

const VARIANT_FIELD_WORDS: Record<string, string> = { name: 'name', dataset: 'dataset', prompt: 'prompt', numSamples: 'samples', seed: 'seed' };
const FIELD_WORDS: Record<string, string> = {
  layers: 'layers',
  maxInputTokens: 'max input tokens',
  modelDir: 'model folder',
  pooling: 'pooling',
  hook: 'captured tensor',
  comparisonMode: 'comparison',
};

/** A request field path as the form names it: "variants.0.numSamples" -> "Variant "histo" samples". */
function fieldWords(where: string, variantNames: readonly string[]): string | null {
  const parts = where.split('.');
  if (parts[0] === 'variants' && parts[1] !== undefined && /^\d+$/.test(parts[1])) {
    const index = Number(parts[1]);
    const name = variantNames[index];
    const who = name ? `Variant "${name}"` : `Variant ${index + 1}`;
    return parts[2] === undefined ? who : `${who} ${VARIANT_FIELD_WORDS[parts[2]] ?? parts.slice(2).join(' ')}`;
  }
  if (parts[0] === 'variants') return 'Variants';
  const words = FIELD_WORDS[parts[0] ?? ''];
  return words === undefined ? null : `${words[0]?.toUpperCase()}${words.slice(1)}`;
}

/**
 * A line from the server with its field paths in the form's words: "variants.0.numSamples: must be ..." becomes
 * "Variant "histo" samples: must be ...", also inside a sentence ("The request is invalid: variants.0.seed: ...").
 */
export function readableIssue(line: string, variantNames: readonly string[]): string {
  return line.replace(/(^|: )([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*): /g, (whole, lead: string, where: string) => {
    const words = fieldWords(where, variantNames);
    return words === null ? whole : `${lead}${words}: `;
  });
}
