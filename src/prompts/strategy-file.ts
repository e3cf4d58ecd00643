import { z } from 'zod';
import type { OutputFormat } from '../config/schemas.js';
import { readYamlFile } from '../config/yaml-file.js';
import { DatasetSpecSchema } from '../datasets/spec.js';
import { PromptStrategyError } from './errors.js';
import { answerProblems, schemaFieldAt, type AnswerField, type AnswerRecord, type AnswerSchema } from './formats.js';

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const AnswerLeafFieldSchema = z
  .object({
    type: z.enum(['integer', 'boolean', 'string', 'string_list']),
    description: z.string().min(1),
  })
  .strict();

const AnswerFieldSchema: z.ZodType<AnswerField> = z.lazy(() =>
  z.discriminatedUnion('type', [AnswerLeafFieldSchema, z.object({ type: z.literal('object'), fields: AnswerSchemaSchema }).strict()]),
);

// Field names double as XML element names and TOML keys, hence the identifier rule.
const AnswerSchemaSchema: z.ZodType<AnswerSchema> = z.lazy(() =>
  z.record(z.string().regex(FIELD_NAME, { error: 'field names are letters, digits and _' }), AnswerFieldSchema),
);

const instruction = z.string().min(1);
const FORMAT_INSTRUCTION_SHAPE = {
  json: instruction,
  yaml: instruction,
  toml: instruction,
  xml: instruction,
  markdown: instruction,
  plain: instruction,
} satisfies Record<OutputFormat, z.ZodString>;

const stopList = z.array(z.string().min(1));
const STOP_STRING_SHAPE = {
  json: stopList,
  yaml: stopList,
  toml: stopList,
  xml: stopList,
  markdown: stopList,
  plain: stopList,
} satisfies Record<OutputFormat, typeof stopList>;

const FewShotExampleSchema = z.record(z.string(), z.unknown());

const DatasetFormatsSchema = z
  .array(DatasetSpecSchema.shape.format)
  .min(1, { error: 'list at least one dataset format, or leave dataset_formats out' })
  .refine((formats) => new Set(formats).size === formats.length, { error: 'a dataset format is listed twice' });

/** configs/prompt/strategies/<name>.yaml. */
export const StrategyFileSchema = z
  .object({
    description: z.string(),
    /** The dataset formats the prompt is written for (CoTLab's get_compatible_datasets); absent: any dataset. */
    dataset_formats: DatasetFormatsSchema.optional(),
    system_role: z.string(),
    /** Used when the prompt option `contrarian` is true. */
    system_role_contrarian: z.string(),
    templates: z.object({ standard: z.string(), answer_first: z.string(), contrarian: z.string() }).strict(),
    /** The answer's shape; absent for a strategy whose answers are not read (it cannot be used for classification). */
    answer: z
      .object({
        fields: AnswerSchemaSchema,
        plain: z
          .object({
            field: z.string().min(1),
            rationale_field: z.string().min(1).nullable(),
            labels: z.record(z.string(), z.string()).nullable(),
          })
          .strict(),
      })
      .strict()
      .optional(),
    /** The lead-in sentence of the answer-format instructions, per output format (with `answer` only). */
    format_instructions: z.object(FORMAT_INSTRUCTION_SHAPE).strict().optional(),
    /** Per output format, text that ends generation once the model has written it (e.g. </answer>). */
    stop_strings: z.object(STOP_STRING_SHAPE).partial().strict().optional(),
    few_shot: z
      .object({
        header: z.string(),
        /** Input field of an example -> its heading; rendered in this order. */
        input_labels: z.record(z.string(), z.string().min(1)),
        answer_label: z.string().min(1),
        examples: z.array(FewShotExampleSchema),
      })
      .strict(),
  })
  .strict();

export type StrategyFile = z.output<typeof StrategyFileSchema>;

/** One worked example: its input texts (keys of few_shot.input_labels) and its answer. */
export interface FewShotExample {
  inputs: Record<string, string>;
  /** null for a strategy without an answer section (its examples show inputs only). */
  answer: AnswerRecord | null;
}

function checkPlainSpec(data: StrategyFile, file: string): void {
  if (data.answer === undefined) {
    if (data.format_instructions !== undefined) {
      throw new PromptStrategyError('format_instructions need an answer section (answer.fields, answer.plain)', { file, field: 'format_instructions' });
    }
    return;
  }
  if (data.format_instructions === undefined) {
    throw new PromptStrategyError('an answer section needs format_instructions for every output format', { file, field: 'format_instructions' });
  }
  const { fields, plain } = data.answer;
  const decision = schemaFieldAt(fields, plain.field);
  if (decision === null || decision.type === 'object' || decision.type === 'string_list') {
    throw new PromptStrategyError(`'${plain.field}' is not a single-value field of answer.fields`, { file, field: 'answer.plain.field' });
  }
  if (plain.rationale_field !== null && schemaFieldAt(fields, plain.rationale_field)?.type !== 'string') {
    throw new PromptStrategyError(`'${plain.rationale_field}' is not a text field of answer.fields`, {
      file,
      field: 'answer.plain.rationale_field',
    });
  }
}

function checkExample(example: Record<string, unknown>, index: number, data: StrategyFile, file: string): FewShotExample {
  const field = `few_shot.examples.${index}`;
  const { answer, ...inputs } = example;
  const expected = Object.keys(data.few_shot.input_labels);
  const missing = expected.filter((name) => typeof inputs[name] !== 'string');
  const extra = Object.keys(inputs).filter((name) => !expected.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    const problems = [
      ...missing.map((name) => `${name} missing or not text`),
      ...extra.map((name) => `${name} has no entry in few_shot.input_labels`),
    ];
    throw new PromptStrategyError(problems.join(', '), { file, field });
  }
  if (data.answer === undefined) {
    if (answer !== undefined) throw new PromptStrategyError('an example answer needs an answer section in the strategy', { file, field: `${field}.answer` });
    return { inputs: inputs as Record<string, string>, answer: null };
  }
  const problems = answerProblems(answer, data.answer.fields);
  if (problems.length > 0) throw new PromptStrategyError(problems.join('; '), { file, field: `${field}.answer` });
  return { inputs: inputs as Record<string, string>, answer: answer as AnswerRecord };
}

/** Reads and checks a strategy file: shape, plain-answer fields, and every example against the answer schema. */
export function readStrategyFile(file: string): { data: StrategyFile; examples: FewShotExample[] } {
  const result = StrategyFileSchema.safeParse(readYamlFile(file));
  if (!result.success) {
    const detail = result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`);
    throw new PromptStrategyError(detail.join('; '), { file });
  }
  const data = result.data;
  checkPlainSpec(data, file);
  const examples = data.few_shot.examples.map((example, index) => checkExample(example, index, data, file));
  return { data, examples };
}
