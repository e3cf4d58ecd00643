import path from 'node:path';
import { RootConfigSchema, type AnyExperimentSpec, type GenerationSpec, type PromptSpec, type WorkbenchConfig } from '../config/schemas.js';
import type { DatasetSpec } from '../datasets/spec.js';
import type { DatasetSource, ExperimentKind, ExperimentRequest, PromptChoice } from '../contract/index.js';
import { EngineRequestError } from './engine-calls.js';
import type { PathPolicy } from './path-policy.js';

/** The bundled config options a UI request may name. */
export interface ConfigOptions {
  datasets: ReadonlyMap<string, DatasetSpec>;
  prompts: ReadonlyMap<string, PromptSpec>;
  /** The experiment options (configs/experiment/*.yaml) by experiment name: the settings a UI request starts from. */
  experiments: ReadonlyMap<string, AnyExperimentSpec>;
}

/** A UI dataset source as the engine's dataset spec; a file must be one the path policy lets the engine read. */
export function datasetSpecFor(source: DatasetSource, options: ConfigOptions, paths: PathPolicy): DatasetSpec {
  if (source.kind === 'bundled') {
    const spec = options.datasets.get(source.name);
    if (!spec) throw new EngineRequestError(`There is no bundled dataset "${source.name}".`, 'not_found');
    return spec;
  }
  return {
    name: source.name ?? (path.basename(source.path).replace(/\.[^.]+$/, '') || 'dataset'),
    format: source.format,
    path: paths.readable(source.path, 'dataset file'),
    text_column: source.mapping.textColumn,
    label_column: source.mapping.labelColumn,
    metadata_columns: source.mapping.metadataColumns,
    delimiter: source.mapping.delimiter,
    gold_classes: null,
    answer_classes: null,
  };
}

/** A UI prompt choice as the engine's prompt spec: the bundled option with the chosen switches. */
export function promptSpecFor(choice: PromptChoice, options: ConfigOptions): PromptSpec {
  const spec = options.prompts.get(choice.name);
  if (!spec) throw new EngineRequestError(`There is no prompt strategy "${choice.name}".`, 'not_found');
  return {
    ...spec,
    few_shot: choice.options.fewShot,
    answer_first: choice.options.answerFirst,
    contrarian: choice.options.contrarian,
    output_format: choice.options.outputFormat,
  };
}

/**
 * The resolved config of an experiment started from the UI: the composed defaults with the request's variants,
 * settings and model folder, for the experiment it names (its configs/experiment option gives what the request
 * leaves out). The top-level dataset and prompt are the first variant's, as CoTLab records them.
 */
export function experimentConfig(request: ExperimentRequest, base: WorkbenchConfig, options: ConfigOptions, paths: PathPolicy): WorkbenchConfig {
  const variants = request.variants.map((variant) => ({
    name: variant.name,
    dataset: datasetSpecFor(variant.dataset, options, paths),
    prompt: promptSpecFor(variant.prompt, options),
    // In the contract null means the whole dataset; in CoTLab's config null means "the experiment's default" and a
    // value <= 0 means the whole dataset.
    num_samples: variant.numSamples ?? -1,
    seed: variant.seed,
  }));
  const first = variants[0];
  if (!first) throw new EngineRequestError('Add at least one variant.', 'bad_request');
  const modelDir = request.modelDir === null ? null : paths.readable(request.modelDir, 'model folder');
  const modelName = modelDir === null ? base.model.name : path.basename(modelDir);
  const config = {
    ...base,
    model:
      modelDir === null
        ? base.model
        : { ...base.model, name: modelName, path: modelDir, safe_name: modelName.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'model', hook_map: null },
    dataset: first.dataset,
    prompt: first.prompt,
    experiment: experimentSettings(request, options, variants),
  };
  const parsed = RootConfigSchema.safeParse(config);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new EngineRequestError(`The experiment settings are invalid: ${details[0] ?? ''}`, 'bad_request', details);
  }
  return parsed.data;
}

function generationFrom(request: ExperimentRequest, configured: GenerationSpec): GenerationSpec {
  const asked = request.generation;
  if (asked === undefined || asked === null) return configured;
  return { ...configured, max_new_tokens: asked.maxNewTokens, do_sample: asked.doSample, temperature: asked.temperature, top_p: asked.topP, seed: asked.seed };
}

/** The experiment section: the named experiment's configured settings with the request's on top. */
function experimentSettings(request: ExperimentRequest, options: ConfigOptions, variants: unknown[]): Record<string, unknown> {
  const kind: ExperimentKind = request.experimentType ?? 'activation_compare';
  const configured = options.experiments.get(kind);
  if (configured === undefined) throw new EngineRequestError(`There is no ${kind} experiment in configs/experiment.`, 'not_found');
  const cue = request.answerCue === undefined ? {} : { answer_cue: request.answerCue };
  switch (configured.name) {
    case 'activation_compare':
      return {
        ...configured,
        pooling: request.pooling,
        layers: request.layers,
        layer_stride: 1,
        hook: request.hook,
        max_input_tokens: request.maxInputTokens,
        comparison_mode: request.comparisonMode,
        store_per_layer: true,
        ...cue,
        variants,
        record_answers: request.recordAnswers ?? configured.record_answers,
        generation: generationFrom(request, configured.generation),
      };
    case 'classification':
      return { ...configured, ...cue, max_input_tokens: request.maxInputTokens, comparison_mode: request.comparisonMode, variants, generation: generationFrom(request, configured.generation) };
    case 'logit_lens':
      return { ...configured, ...cue, layers: request.layers, layer_stride: 1, max_input_tokens: request.maxInputTokens, variants, top_k: request.topK ?? configured.top_k };
  }
}
