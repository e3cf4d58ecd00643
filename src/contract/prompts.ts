/** Prompt strategies, their options and previews. */
import { z } from 'zod';
import { name, wholeNumber } from './primitives.js';
import { DatasetFormatSchema, SampleRowSchema } from './datasets.js';

export const OutputFormatSchema = z.enum(['json', 'yaml', 'toml', 'xml', 'markdown', 'plain']);
export type OutputFormat = z.infer<typeof OutputFormatSchema>;

export const PromptOptionsSchema = z
  .object({
    fewShot: z.boolean(),
    answerFirst: z.boolean(),
    contrarian: z.boolean(),
    outputFormat: OutputFormatSchema,
  })
  .strict();
export type PromptOptions = z.infer<typeof PromptOptionsSchema>;

export const PromptChoiceSchema = z.object({ name, options: PromptOptionsSchema }).strict();
export type PromptChoice = z.infer<typeof PromptChoiceSchema>;

export const PromptStrategyInfoSchema = z
  .object({
    name,
    description: z.string().nullable(),
    defaults: PromptOptionsSchema,
    outputFormats: z.array(OutputFormatSchema).min(1),
    /** The dataset formats the prompt is written for; absent: any dataset. Other formats run, with a warning. */
    datasetFormats: z.array(DatasetFormatSchema).min(1).optional(),
  })
  .strict();
export type PromptStrategyInfo = z.infer<typeof PromptStrategyInfoSchema>;

export const PromptPreviewSchema = z
  .object({
    systemPrompt: z.string().nullable(),
    prompt: z.string(),
    /** Exactly what the model is fed (CoTLab: system prompt + blank line + prompt). */
    fullText: z.string(),
    /** Tokens of fullText with the model's tokenizer, BOS included; null when no model could be loaded. */
    tokenCount: wholeNumber.nonnegative().nullable(),
    tokenCountNote: z.string().nullable(),
    sample: SampleRowSchema,
    /** Set when the prompt is written for another dataset format than this dataset's (the run is still allowed). */
    datasetWarning: z.string().nullable(),
  })
  .strict();
export type PromptPreview = z.infer<typeof PromptPreviewSchema>;
