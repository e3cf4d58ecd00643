/**
 * The vocabulary of model answers: how a generated answer was read, and what it said. Parse failures are their own
 * categories, so an unreadable answer is never counted as right or wrong.
 */

/**
 * - parsed: the decision field was found with a value of its type that maps to a class;
 * - no_answer: nothing in the output looks like an answer in the asked format;
 * - malformed: an answer block is there but does not parse in its format (broken JSON, YAML, TOML or XML);
 * - missing_field: the block parses but has no decision field;
 * - invalid_value: the decision field's value has the wrong type (or is no label the strategy defines);
 * - unknown_label: the value is valid but maps to no class of the dataset's label mapping.
 */
export const PARSE_STATUSES = ['parsed', 'no_answer', 'malformed', 'missing_field', 'invalid_value', 'unknown_label'] as const;
export type ParseStatus = (typeof PARSE_STATUSES)[number];

export const STOP_REASONS = ['eos', 'stop_string', 'max_new_tokens'] as const;
export type StopReasonName = (typeof STOP_REASONS)[number];

/** A decision value as the answer states it. */
export type DecisionValue = string | number | boolean;

/** How one generated answer was read. */
export interface ParsedAnswer {
  status: ParseStatus;
  /** The decision field's value when it was read (also for unknown_label); else null. */
  value: DecisionValue | null;
  /** Why it could not be read, or where it was found; null when nothing needs saying. */
  detail: string | null;
}

/** One sample's answer as an experiment records it. */
export interface SampleAnswer {
  /** The generated text, special tokens left out. */
  rawOutput: string;
  generatedTokens: number;
  stopReason: StopReasonName;
  parseStatus: ParseStatus;
  parseDetail: string | null;
  /** The decision value read from the answer; null when none was read. */
  parsedValue: DecisionValue | null;
  /** The class the answer maps to; null on a parse failure. */
  predicted: string | null;
  /** The class of the sample's gold label; null when its label maps to no class (the sample is not scored). */
  gold: string | null;
  /** predicted === gold; null when either is missing (never counted right or wrong). */
  correct: boolean | null;
}
