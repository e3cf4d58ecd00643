import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { resolveVariants } from '../config/variants.js';
import type { PromptSpec, ResolvedConfig } from '../config/schemas.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { selectLayers } from '../experiments/layer-selection.js';
import type { DatasetSource, ExperimentDefaults, ExperimentSettings, PromptChoice } from '../contract/index.js';
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

/**
 * A resolved config in the terms of an experiment request: the inverse of experimentConfig, so the form can show
 * exactly what the configs default to or what a stored run recorded. The model is null when it is the base config's.
 * `stridedLayers` lists the layers when every n-th one (n > 1) is configured without a list: that needs the model.
 */
export function settingsOfConfig(
  config: ResolvedConfig,
  base: ResolvedConfig,
  options: ConfigOptions,
  root: string,
  stridedLayers: (stride: number) => number[],
): ExperimentSettings {
  const { experiment } = config;
  const strided = experiment.layers === null && experiment.layer_stride > 1;
  return {
    modelDir: isDeepStrictEqual(config.model, base.model) ? null : path.resolve(root, config.model.path),
    variants: resolveVariants(config).map((variant) => ({
      name: variant.name,
      dataset: datasetSourceOf(variant.dataset, options),
      prompt: promptChoiceOf(variant.prompt),
      numSamples: samplesShown(variant.num_samples),
      seed: shownSeed(variant.seed),
    })),
    layers: strided ? stridedLayers(experiment.layer_stride) : experiment.layers,
    pooling: experiment.pooling,
    comparisonMode: experiment.comparison_mode,
    hook: experiment.hook,
    maxInputTokens: experiment.max_input_tokens,
  };
}

/** The composed default config as a new Experiment form starts: its experiment, plus what a new variant takes. */
export function experimentDefaults(base: ResolvedConfig, options: ConfigOptions, root: string, modelLayers: () => number): ExperimentDefaults {
  return {
    ...settingsOfConfig(base, base, options, root, (stride) => selectLayers(modelLayers(), null, stride)),
    numSamples: samplesShown(base.experiment.num_samples),
    seed: shownSeed(base.experiment.seed),
  };
}
