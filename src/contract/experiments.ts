/** Experiment requests and run progress. */
import { z } from 'zod';
import { finite, seedInput, seedShown, wholeNumber } from './primitives.js';
import { DatasetSourceSchema } from './datasets.js';
import { PromptChoiceSchema } from './prompts.js';
import { ExperimentKindSchema } from './model.js';

/** How answers are generated (classification, activation_compare with recordAnswers). Absent fields: the config's. */
export const GenerationRequestSchema = z
  .object({
    maxNewTokens: wholeNumber.min(1, 'must be at least 1').max(4096),
    /** false: greedy decoding. */
    doSample: z.boolean(),
    temperature: finite.positive(),
    topP: finite.gt(0).max(1),
    /** Seed of the sampling draws; null: the experiment's seed. */
    seed: seedInput.nullable(),
  })
  .strict();
export type GenerationRequest = z.infer<typeof GenerationRequestSchema>;

/** Generation settings as a run recorded them or the configs give them (a seed beyond the safe integers as digits). */
export const GenerationSettingsSchema = GenerationRequestSchema.extend({ seed: seedShown.nullable() }).strict();
export type GenerationSettings = z.infer<typeof GenerationSettingsSchema>;

export const PoolingSchema = z.enum(['mean', 'last_token']);
export const ComparisonModeSchema = z.enum(['pairwise', 'baseline']);
export const HookPointSchema = z.enum(['resid_post', 'hf_hidden_states', 'cotlab']);

export const VariantSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'give the variant a name')
      .max(80)
      .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, dot, dash or underscore'),
    dataset: DatasetSourceSchema,
    prompt: PromptChoiceSchema,
    /** null = the whole dataset (CoTLab semantics). */
    numSamples: wholeNumber.min(1, 'must be at least 1').nullable(),
    seed: seedInput,
  })
  .strict();
export type Variant = z.infer<typeof VariantSchema>;

export const ExperimentRequestSchema = z
  .object({
    /** null = the configured default model (the bundled demo model). */
    modelDir: z.string().min(1).nullable(),
    variants: z
      .array(VariantSchema)
      .min(1, 'add at least one variant')
      .max(12)
      .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, 'variant names must be unique'),
    /** null = every layer. */
    layers: z.array(wholeNumber.nonnegative()).min(1).nullable(),
    pooling: PoolingSchema,
    comparisonMode: ComparisonModeSchema,
    hook: HookPointSchema,
    maxInputTokens: wholeNumber.min(1).nullable(),
    /** Absent: activation_compare. classification generates and scores answers; logit_lens reads each layer's prediction. */
    experimentType: ExperimentKindSchema.optional(),
    /** activation_compare only: also generate and score each sample's answer (absent: false). */
    recordAnswers: z.boolean().optional(),
    /** classification / recordAnswers: how answers are generated (absent or null: the experiment config's). */
    generation: GenerationRequestSchema.nullable().optional(),
    /** logit_lens: most probable tokens per layer (absent or null: the config's). */
    topK: wholeNumber.min(1).max(100).nullable().optional(),
    /** classification / logit_lens: text after the prompt (absent: the config's; null: none). */
    answerCue: z.string().max(500).nullable().optional(),
  })
  .strict();
export type ExperimentRequest = z.infer<typeof ExperimentRequestSchema>;

/** One variant of a configured or stored experiment, as the Experiment form shows it. */
export const VariantSettingsSchema = z
  .object({
    name: z.string().min(1),
    dataset: DatasetSourceSchema,
    prompt: PromptChoiceSchema,
    /** null = the whole dataset. */
    numSamples: wholeNumber.min(1).nullable(),
    /** Exact: a seed beyond the safe integers comes as its decimal digits. */
    seed: seedShown,
  })
  .strict();
export type VariantSettings = z.infer<typeof VariantSettingsSchema>;

/** The settings that depend on the experiment type (what a run reads from the model besides activations). */
export const ExperimentTypeSettingsSchema = z
  .object({
    experimentType: ExperimentKindSchema,
    /** activation_compare: also generate and score each sample's answer (false for the other types). */
    recordAnswers: z.boolean(),
    /** How answers are generated: classification and activation_compare; null for logit_lens. */
    generation: GenerationSettingsSchema.nullable(),
    /** logit_lens: most probable tokens per layer; null for the other types. */
    topK: wholeNumber.min(1).max(100).nullable(),
    /** Text after the prompt, so the next token is the answer; null: none. */
    answerCue: z.string().max(500).nullable(),
  })
  .strict();
export type ExperimentTypeSettings = z.infer<typeof ExperimentTypeSettingsSchema>;

/** An experiment's settings in the request's terms: what a run recorded, or what the configs default to. */
export const ExperimentSettingsSchema = ExperimentTypeSettingsSchema.extend({
  modelDir: z.string().min(1).nullable(),
  variants: z.array(VariantSettingsSchema),
  layers: z.array(wholeNumber.nonnegative()).nullable(),
  pooling: PoolingSchema,
  comparisonMode: ComparisonModeSchema,
  hook: HookPointSchema,
  maxInputTokens: wholeNumber.min(1).nullable(),
}).strict();
export type ExperimentSettings = z.infer<typeof ExperimentSettingsSchema>;

/**
 * The composed default config (configs/): the default experiment, plus the samples and seed a new variant starts
 * with, and each experiment type's configured settings (configs/experiment/*.yaml) for when the type is changed.
 */
export const ExperimentDefaultsSchema = ExperimentSettingsSchema.extend({
  numSamples: wholeNumber.min(1).nullable(),
  seed: seedShown,
  typeDefaults: z
    .object({
      activation_compare: ExperimentTypeSettingsSchema,
      classification: ExperimentTypeSettingsSchema,
      logit_lens: ExperimentTypeSettingsSchema,
    })
    .strict(),
}).strict();
export type ExperimentDefaults = z.infer<typeof ExperimentDefaultsSchema>;

/** `queued`: waiting for a free run slot (serve --max-runs); `queuePosition` says how many are ahead, plus one. */
export const RunStateSchema = z.enum(['queued', 'starting', 'running', 'completed', 'cancelled', 'failed']);
export type RunState = z.infer<typeof RunStateSchema>;

/** Queued, starting or running: the run has more to report (the other states are final). */
export function isActiveRunState(state: RunState): boolean {
  return state === 'queued' || state === 'starting' || state === 'running';
}

/** One progress report of a running experiment (WebSocket /api/progress, IPC `cotlab:progress`). */
export const ProgressEventSchema = z
  .object({
    runId: z.string().min(1),
    state: RunStateSchema,
    variantName: z.string().nullable(),
    variantIndex: wholeNumber.nonnegative(),
    variantCount: wholeNumber.nonnegative(),
    samplesDone: wholeNumber.nonnegative(),
    samplesTotal: wholeNumber.nonnegative(),
    samplesPerSecond: finite.nonnegative().nullable(),
    etaSeconds: finite.nonnegative().nullable(),
    message: z.string().nullable(),
    /** The stored experiment, once it exists in the history. */
    experimentId: z.string().nullable(),
    /** 1 = next to start; null unless the run is `queued`. */
    queuePosition: wholeNumber.min(1).nullable(),
  })
  .strict();
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
