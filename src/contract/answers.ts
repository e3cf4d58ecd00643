/** Model answers, their metrics and the logit lens, as the UI shows them. */
import { z } from 'zod';
import { finite, seedShown, wholeNumber } from './primitives.js';
import { LabelSchema } from './datasets.js';
import { IntervalSchema, RunRefSchema } from './results.js';

/**
 * How an answer was read: parsed, or why not (no_answer: nothing in the format; malformed: does not parse;
 * missing_field: no decision field; invalid_value: wrong type or no label; unknown_label: no class of the dataset).
 */
export const ParseStatusSchema = z.enum(['parsed', 'no_answer', 'malformed', 'missing_field', 'invalid_value', 'unknown_label']);
export type ParseStatus = z.infer<typeof ParseStatusSchema>;

export const AnswerFilterSchema = z.enum(['all', 'correct', 'incorrect', 'parse_failure']);
export type AnswerFilter = z.infer<typeof AnswerFilterSchema>;

/** One row of the answers table. */
export const AnswerRowSchema = z
  .object({
    runName: z.string(),
    position: wholeNumber.nonnegative(),
    datasetIndex: wholeNumber.nonnegative(),
    /** The sample's text and the full prompt; null when the history did not keep them. */
    text: z.string().nullable(),
    prompt: z.string().nullable(),
    rawOutput: z.string(),
    generatedTokens: wholeNumber.nonnegative(),
    stopReason: z.enum(['eos', 'stop_string', 'max_new_tokens']),
    parseStatus: ParseStatusSchema,
    parseDetail: z.string().nullable(),
    /** The decision as the answer states it. */
    parsedValue: z.union([z.string(), finite, z.boolean()]).nullable(),
    /** Classes after the dataset's label mapping; predicted is null on a parse failure, gold when the label maps to none. */
    predicted: z.string().nullable(),
    gold: z.string().nullable(),
    label: LabelSchema,
    /** null: not scored (never counted right or wrong). */
    correct: z.boolean().nullable(),
  })
  .strict();
export type AnswerRow = z.infer<typeof AnswerRowSchema>;

export const AnswerPageSchema = z
  .object({
    rows: z.array(AnswerRowSchema),
    /** Rows matching the filter, over all pages. */
    total: wholeNumber.nonnegative(),
    counts: z.object({ all: wholeNumber, correct: wholeNumber, incorrect: wholeNumber, parseFailure: wholeNumber }).strict(),
  })
  .strict();
export type AnswerPage = z.infer<typeof AnswerPageSchema>;

/** A metric with its bootstrap interval; value null when undefined (nothing scored). */
export const EstimateSchema = z.object({ value: finite.nullable(), ci: IntervalSchema.nullable() }).strict();
export type Estimate = z.infer<typeof EstimateSchema>;

export const ClassScoreSchema = z
  .object({ label: z.string(), support: wholeNumber, predicted: wholeNumber, precision: EstimateSchema, recall: EstimateSchema, f1: finite.nullable() })
  .strict();

export const VariantMetricsSchema = z
  .object({
    runName: z.string(),
    samples: wholeNumber.nonnegative(),
    scored: wholeNumber.nonnegative(),
    correct: wholeNumber.nonnegative(),
    accuracy: EstimateSchema,
    balancedAccuracy: EstimateSchema,
    macroF1: EstimateSchema,
    parseFailureRate: EstimateSchema,
    parseFailures: z.record(z.string(), wholeNumber),
    unscoredGold: wholeNumber.nonnegative(),
    /** Class order of perClass and of the confusion matrix's rows (gold) and columns (predicted). */
    labels: z.array(z.string()),
    perClass: z.array(ClassScoreSchema),
    confusion: z.array(z.array(wholeNumber)),
  })
  .strict();
export type VariantMetrics = z.infer<typeof VariantMetricsSchema>;

export const McNemarViewSchema = z
  .object({
    runA: z.string(),
    runB: z.string(),
    pairedSamples: wholeNumber,
    bothCorrect: wholeNumber,
    onlyACorrect: wholeNumber,
    onlyBCorrect: wholeNumber,
    bothWrong: wholeNumber,
    excluded: wholeNumber,
    pValue: finite,
    pValueHolm: finite,
    significant: z.boolean(),
    /** Why the pair was not tested (different samples); null when it was. */
    notTested: z.string().nullable(),
  })
  .strict();
export type McNemarView = z.infer<typeof McNemarViewSchema>;

/** activation_compare with recorded answers: a run's correct vs incorrect samples compared per layer. */
export const AnswerSplitViewSchema = z
  .object({
    runName: z.string(),
    correct: wholeNumber,
    incorrect: wholeNumber,
    unscored: wholeNumber,
    notAnalysed: z.string().nullable(),
    layers: z.array(
      z
        .object({
          layer: wholeNumber.nonnegative(),
          cosine: finite,
          l2: finite,
          cosineCi: IntervalSchema.nullable(),
          l2Ci: IntervalSchema.nullable(),
          pValue: finite.nullable(),
          pValueHolm: finite.nullable(),
        })
        .strict(),
    ),
  })
  .strict();

export const AnswerFindingsViewSchema = z
  .object({
    confidenceLevel: finite,
    bootstrapResamples: wholeNumber.nonnegative(),
    seed: seedShown,
    significanceLevel: finite,
    variants: z.array(VariantMetricsSchema),
    mcnemar: z.array(McNemarViewSchema),
    /** Per run, correct vs incorrect samples' activations (activation_compare with recorded answers); null otherwise. */
    splits: z.array(AnswerSplitViewSchema).nullable(),
  })
  .strict();
export type AnswerFindingsView = z.infer<typeof AnswerFindingsViewSchema>;

export const LensTokenSchema = z.object({ tokenId: wholeNumber.nonnegative(), token: z.string(), prob: finite }).strict();

/** One layer of one sample's logit lens. */
export const LensCellSchema = z
  .object({ layer: wholeNumber.nonnegative(), top: z.array(LensTokenSchema), goldRank: wholeNumber.min(1), goldProb: finite })
  .strict();

/** The logit lens of one sample: the layers x top tokens grid, and how its gold token fares. */
export const LogitLensViewSchema = z
  .object({
    ref: RunRefSchema,
    position: wholeNumber.nonnegative(),
    datasetIndex: wholeNumber.nonnegative(),
    /** recorded: stored by a logit_lens experiment; computed: from the run's stored last-token vectors, now. */
    source: z.enum(['recorded', 'computed']),
    goldToken: LensTokenSchema.omit({ prob: true }),
    goldText: z.string(),
    cells: z.array(LensCellSchema),
    /** Per layer over all the run's samples (recorded lens only): mean gold probability, share with gold top-1. */
    summary: z
      .array(z.object({ layer: wholeNumber.nonnegative(), meanGoldProb: finite, medianGoldRank: finite, goldTop1Rate: finite }).strict())
      .nullable(),
  })
  .strict();
export type LogitLensView = z.infer<typeof LogitLensViewSchema>;
