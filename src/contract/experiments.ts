/** Experiment requests and run progress. */
import { z } from 'zod';
import { finite, seedInput, wholeNumber } from './primitives.js';
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
    /** classification / recordAnswers: how answers are generated (absent: the experiment config's). */
    generation: GenerationRequestSchema.optional(),
    /** logit_lens: most probable tokens per layer (absent: the config's). */
    topK: wholeNumber.min(1).max(100).optional(),
    /** classification / logit_lens: text after the prompt (absent: the config's; null: none). */
    answerCue: z.string().max(500).nullable().optional(),
  })
  .strict();
export type ExperimentRequest = z.infer<typeof ExperimentRequestSchema>;

export const RunStateSchema = z.enum(['starting', 'running', 'completed', 'cancelled', 'failed']);
export type RunState = z.infer<typeof RunStateSchema>;

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
  })
  .strict();
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;
