import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { resolveVariants } from '../config/variants.js';
import type { AnyExperimentSpec, ExperimentSpec, GenerationSpec, PromptSpec, WorkbenchConfig } from '../config/schemas.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { selectLayers } from '../experiments/layer-selection.js';
import type { DatasetSource, ExperimentDefaults, ExperimentKind, ExperimentSettings, ExperimentTypeSettings, GenerationSettings, PromptChoice } from '../contract/index.js';
import { EngineRequestError } from './engine-calls.js';
import type { ConfigOptions } from './experiment-config.js';
import { shownSeed } from './result-view.js';

/** CoTLab's num_samples (null or <= 0: the whole dataset) in the contract's terms (null: the whole dataset). */
function samplesShown(numSamples: number | null): number | null {
  return numSamples === null || numSamples <= 0 ? null : numSamples;
}

/** A dataset spec as the UI names it: the bundled option when it is one unchanged, else its file with its loader settings. */
export function datasetSourceOf(spec: DatasetSpec, options: ConfigOptions): DatasetSource {
  const bundled = options.datasets.get(spec.name);
  if (bundled !== undefined && isDeepStrictEqual(bundled, spec)) return { kind: 'bundled', name: spec.name };
  const delimiter = spec.delimiter;
  if (delimiter !== null && delimiter !== ',' && delimiter !== '\t') {
    throw new EngineRequestError(
      `Dataset "${spec.name}" is read with the separator ${JSON.stringify(delimiter)}, which the workbench form cannot show (it offers comma and tab).`,
      'bad_request',
    );
  }
  return {
    kind: 'file',
    path: spec.path,
    format: spec.format,
    mapping: { textColumn: spec.text_column, labelColumn: spec.label_column, metadataColumns: [...spec.metadata_columns], delimiter },
    name: spec.name,
  };
}

export function promptChoiceOf(spec: PromptSpec): PromptChoice {
  return {
    name: spec.name,
    options: { fewShot: spec.few_shot, answerFirst: spec.answer_first, contrarian: spec.contrarian, outputFormat: spec.output_format },
  };
}

function generationShown(generation: GenerationSpec): GenerationSettings {
  return {
    maxNewTokens: generation.max_new_tokens,
    doSample: generation.do_sample,
    temperature: generation.temperature,
    topP: generation.top_p,
    seed: generation.seed === null ? null : shownSeed(generation.seed),
  };
}

/** The type-dependent settings of an experiment config, in the request's terms. */
export function typeSettingsOf(experiment: AnyExperimentSpec): ExperimentTypeSettings {
  const common = { experimentType: experiment.name, answerCue: experiment.answer_cue };
  switch (experiment.name) {
    case 'activation_compare':
      return { ...common, recordAnswers: experiment.record_answers, generation: generationShown(experiment.generation), topK: null };
    case 'classification':
      return { ...common, recordAnswers: false, generation: generationShown(experiment.generation), topK: null };
    case 'logit_lens':
      return { ...common, recordAnswers: false, generation: null, topK: experiment.top_k };
  }
}

/** The configured experiment of a type (configs/experiment/<type>.yaml). */
function configuredExperiment(kind: ExperimentKind, options: ConfigOptions): AnyExperimentSpec {
  const spec = options.experiments.get(kind);
  if (spec === undefined) throw new EngineRequestError(`There is no ${kind} experiment in configs/experiment.`, 'not_found');
  return spec;
}

/**
 * A resolved config in the terms of an experiment request: the inverse of experimentConfig, so the form can show
 * exactly what the configs default to or what a stored run recorded. The model is null when it is the base config's.
 * `stridedLayers` lists the layers when every n-th one (n > 1) is configured without a list: that needs the model.
 */
export function settingsOfConfig(
  config: WorkbenchConfig,
  base: WorkbenchConfig,
  options: ConfigOptions,
  root: string,
  stridedLayers: (stride: number) => number[],
): ExperimentSettings {
  const experiment: AnyExperimentSpec = config.experiment;
  // Capture settings a type does not use are shown as activation_compare's configured ones, so switching back keeps them.
  const capture = (experiment.name === 'activation_compare' ? experiment : configuredExperiment('activation_compare', options)) as ExperimentSpec;
  const layered = experiment.name === 'classification' ? capture : experiment;
  const strided = layered.layers === null && layered.layer_stride > 1;
  return {
    ...typeSettingsOf(experiment),
    modelDir: isDeepStrictEqual(config.model, base.model) ? null : path.resolve(root, config.model.path),
    variants: resolveVariants(config).map((variant) => ({
      name: variant.name,
      dataset: datasetSourceOf(variant.dataset, options),
      prompt: promptChoiceOf(variant.prompt),
      numSamples: samplesShown(variant.num_samples),
      seed: shownSeed(variant.seed),
    })),
    layers: strided ? stridedLayers(layered.layer_stride) : layered.layers,
    pooling: capture.pooling,
    comparisonMode: experiment.name === 'logit_lens' ? capture.comparison_mode : experiment.comparison_mode,
    hook: capture.hook,
    maxInputTokens: experiment.max_input_tokens,
  };
}

/** The composed default config as a new Experiment form starts: its experiment, plus what a new variant takes. */
export function experimentDefaults(base: WorkbenchConfig, options: ConfigOptions, root: string, modelLayers: () => number): ExperimentDefaults {
  return {
    ...settingsOfConfig(base, base, options, root, (stride) => selectLayers(modelLayers(), null, stride)),
    numSamples: samplesShown(base.experiment.num_samples),
    seed: shownSeed(base.experiment.seed),
    typeDefaults: {
      activation_compare: typeSettingsOf(configuredExperiment('activation_compare', options)),
      classification: typeSettingsOf(configuredExperiment('classification', options)),
      logit_lens: typeSettingsOf(configuredExperiment('logit_lens', options)),
    },
  };
}
