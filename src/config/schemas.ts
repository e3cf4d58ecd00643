import { z } from 'zod';
import { DatasetSpecSchema } from '../datasets/spec.js';
import type { ComparisonMode } from '../results/types.js';
import type { HookPoint, Pooling } from '../results/capture-points.js';
import { ConfigError } from './errors.js';
import { SeedSchema } from './seed.js';

/** configs/backend/*.yaml: how onnxruntime runs the model. */
export const BackendSpecSchema = z
  .object({
    name: z.literal('onnx'),
    /** auto: CUDA when onnxruntime can use it, else CPU. */
    device: z.enum(['auto', 'cuda', 'cpu']),
    device_id: z.number().int().min(0),
    /** null: onnxruntime's own choice. */
    intra_op_threads: z.number().int().min(1).nullable(),
    inter_op_threads: z.number().int().min(1).nullable(),
    batch_size: z.number().int().min(1),
  })
  .strict();

const TensorNamesSchema = z.array(z.string().min(1)).min(1);

/** Explicit graph tensor names per decoder layer, for exports whose structure cannot be recognised. */
export const HookMapSchema = z
  .object({
    resid_post: TensorNamesSchema.optional(),
    hf_hidden_states: TensorNamesSchema.optional(),
    cotlab: TensorNamesSchema.optional(),
  })
  .strict()
  .refine((map) => map.resid_post !== undefined || map.hf_hidden_states !== undefined || map.cotlab !== undefined, {
    error: 'hook_map needs resid_post, hf_hidden_states or cotlab (a list of tensor names, one per layer)',
  });

/** configs/model/*.yaml: a local ONNX model directory. */
export const ModelSpecSchema = z
  .object({
    /** Hugging Face id or a display name; written to results.json `model`. */
    name: z.string().min(1),
    /** Model directory; relative paths resolve against the project root. */
    path: z.string().min(1),
    /** Used in output folder names, so only letters, digits, `_`, `-` and `.`. */
    safe_name: z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: 'use only letters, digits, _, - and .' }),
    hook_map: HookMapSchema.nullable(),
  })
  .strict();

export const OUTPUT_FORMATS = ['json', 'yaml', 'toml', 'xml', 'markdown', 'plain'] as const;
export const OutputFormatSchema = z.enum(OUTPUT_FORMATS);

/** configs/prompt/*.yaml: which strategy file to use and with which options. */
export const PromptSpecSchema = z
  .object({
    name: z.string().min(1),
    /** File name (without .yaml) under configs/prompt/strategies/. */
    strategy: z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'use a strategy file name such as radiology' }),
    output_format: OutputFormatSchema,
    few_shot: z.boolean(),
    answer_first: z.boolean(),
    contrarian: z.boolean(),
  })
  .strict();

/** `base` / `default` (any case) name the top-level dataset or prompt, as in CoTLab. */
const TopLevelRefSchema = z.string().regex(/^(base|default)$/i, {
  error: 'use "base" or "default" for the top-level one, or the name of a group option',
});

/** One run of activation_compare. null dataset/prompt/num_samples/seed mean "the top-level / experiment's". */
export const VariantSpecSchema = z
  .object({
    name: z.string().min(1),
    dataset: z.union([z.null(), TopLevelRefSchema, DatasetSpecSchema]).default(null),
    prompt: z.union([z.null(), TopLevelRefSchema, PromptSpecSchema]).default(null),
    num_samples: z.number().int().nullable().default(null),
    seed: SeedSchema.nullable().default(null),
  })
  .strict();

const PoolingSchema = z.enum(['mean', 'last_token']) satisfies z.ZodType<Pooling>;
const HookPointSchema = z.enum(['resid_post', 'hf_hidden_states', 'cotlab']) satisfies z.ZodType<HookPoint>;
const ComparisonModeSchema = z.enum(['pairwise', 'baseline']) satisfies z.ZodType<ComparisonMode>;

/** How answers are generated (classification; activation_compare with record_answers). */
export const GenerationSpecSchema = z
  .object({
    /** Tokens generated at most per answer. */
    max_new_tokens: z.number().int().min(1),
    /** false: greedy decoding (argmax); true: temperature / top-p sampling, seeded. */
    do_sample: z.boolean(),
    temperature: z.number().positive(),
    top_p: z.number().gt(0).max(1),
    /** Seed of the sampling draws (each sample its own stream); null: the experiment's seed. Recorded either way. */
    seed: SeedSchema.nullable(),
    /** Generation stops at these; null: the prompt strategy's stop strings for its output format. */
    stop_strings: z.array(z.string().min(1)).nullable(),
  })
  .strict();

export const DEFAULT_GENERATION: z.input<typeof GenerationSpecSchema> = {
  max_new_tokens: 256,
  do_sample: false,
  temperature: 1,
  top_p: 1,
  seed: null,
  stop_strings: null,
};

const numSamples = z.number().int().nullable();
const maxInputTokens = z.number().int().min(1).nullable();

/** configs/experiment/activation_compare.yaml. */
export const ExperimentSpecSchema = z
  .object({
    name: z.literal('activation_compare'),
    description: z.string(),
    /** Samples per variant; null, <= 0 or >= dataset size: the whole dataset in index order. */
    num_samples: z.number().int().nullable(),
    /** Sampling seed of every variant without its own: any integer, as CPython's random.seed takes. */
    seed: SeedSchema,
    pooling: PoolingSchema,
    /** null: every decoder layer; a list names at least one (the rules of the API contract's ExperimentRequest.layers). */
    layers: z
      .array(z.number().int().min(0))
      .min(1, { error: 'list at least one layer, or null for every layer' })
      .nullable(),
    layer_stride: z.number().int().min(1),
    hook: HookPointSchema,
    max_input_tokens: z.number().int().min(1).nullable(),
    /** Text appended after the prompt (e.g. "\n\nAnswer:"); null: nothing. */
    answer_cue: z.string().nullable(),
    comparison_mode: ComparisonModeSchema,
    store_per_layer: z.boolean(),
    log_samples: z.boolean(),
    variants: z.array(VariantSpecSchema),
    /** Also generate each sample's answer (one session: the prefill is the capture pass) and score it. */
    record_answers: z.boolean().default(false),
    generation: GenerationSpecSchema.default(DEFAULT_GENERATION),
  })
  .strict();

/** configs/experiment/classification.yaml: generate each sample's answer, read it, score it per variant. */
export const ClassificationSpecSchema = z
  .object({
    name: z.literal('classification'),
    description: z.string(),
    num_samples: numSamples,
    seed: SeedSchema,
    max_input_tokens: maxInputTokens,
    answer_cue: z.string().nullable(),
    /** Which variants are compared with McNemar's test: every pair, or the first against each other. */
    comparison_mode: ComparisonModeSchema,
    generation: GenerationSpecSchema,
    /** Bootstrap resamples of every metric's confidence interval (0: no intervals). */
    bootstrap_resamples: z.number().int().min(0),
    variants: z.array(VariantSpecSchema),
  })
  .strict();

/** configs/experiment/logit_lens.yaml: each layer's last-token residual through the final norm and the LM head. */
export const LogitLensSpecSchema = z
  .object({
    name: z.literal('logit_lens'),
    description: z.string(),
    num_samples: numSamples,
    seed: SeedSchema,
    layers: z.array(z.number().int().min(0)).nullable(),
    layer_stride: z.number().int().min(1),
    max_input_tokens: maxInputTokens,
    /** Text after the prompt, so the next token is the answer (e.g. "\n\nFINAL ANSWER:"). */
    answer_cue: z.string().nullable(),
    /** Most probable tokens reported per layer. */
    top_k: z.number().int().min(1).max(100),
    variants: z.array(VariantSpecSchema),
  })
  .strict();

/** Every experiment, told apart by `name`. */
export const AnyExperimentSpecSchema = z.discriminatedUnion('name', [ExperimentSpecSchema, ClassificationSpecSchema, LogitLensSpecSchema]);

/** The fully composed configuration of one run (what config.json holds). */
export const RootConfigSchema = z
  .object({
    backend: BackendSpecSchema,
    model: ModelSpecSchema,
    prompt: PromptSpecSchema,
    dataset: DatasetSpecSchema,
    experiment: AnyExperimentSpecSchema,
    seed: z.number().int().min(0),
    verbose: z.boolean(),
    dry_run: z.boolean(),
  })
  .strict();

export type BackendSpec = z.output<typeof BackendSpecSchema>;
export type HookMap = z.output<typeof HookMapSchema>;
export type ModelSpec = z.output<typeof ModelSpecSchema>;
export type OutputFormat = z.output<typeof OutputFormatSchema>;
export type PromptSpec = z.output<typeof PromptSpecSchema>;
export type VariantSpec = z.output<typeof VariantSpecSchema>;
/** activation_compare's settings (the original experiment; most of the code is about it). */
export type ExperimentSpec = z.output<typeof ExperimentSpecSchema>;
export type ClassificationSpec = z.output<typeof ClassificationSpecSchema>;
export type LogitLensSpec = z.output<typeof LogitLensSpecSchema>;
export type GenerationSpec = z.output<typeof GenerationSpecSchema>;
export type AnyExperimentSpec = z.output<typeof AnyExperimentSpecSchema>;
export type RootConfig = z.output<typeof RootConfigSchema>;
/** A composed, validated config of any experiment. */
export type WorkbenchConfig = RootConfig;
/** A composed, validated activation_compare config. */
export type ResolvedConfig = RootConfig & { experiment: ExperimentSpec };
export type ClassificationConfig = RootConfig & { experiment: ClassificationSpec };
export type LogitLensConfig = RootConfig & { experiment: LogitLensSpec };

/** The config as activation_compare's, or a ConfigError naming the experiment it is. */
export function requireActivationCompare(config: WorkbenchConfig): ResolvedConfig {
  if (isActivationCompareConfig(config)) return config;
  throw new ConfigError(`this needs an activation_compare experiment, not ${config.experiment.name}`, { path: 'experiment.name' });
}

export function isActivationCompareConfig(config: WorkbenchConfig): config is ResolvedConfig {
  return config.experiment.name === 'activation_compare';
}
export function isClassificationConfig(config: WorkbenchConfig): config is ClassificationConfig {
  return config.experiment.name === 'classification';
}
export function isLogitLensConfig(config: WorkbenchConfig): config is LogitLensConfig {
  return config.experiment.name === 'logit_lens';
}
