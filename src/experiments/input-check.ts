/** Every sampled prompt measured against the model's context before any compute. */
import type { AnyExperimentSpec } from '../config/schemas.js';

/** What the check reads of any experiment type's settings. */
type InputSettings = Pick<AnyExperimentSpec, 'max_input_tokens' | 'answer_cue'>;
import type { Sample } from '../datasets/sample.js';
import type { ModelDirectory } from '../model/model-dir.js';
import type { PromptTokenizer } from '../model/tokenizer.js';
import { ExperimentError } from './errors.js';
import type { PlannedRun } from './plan.js';

/** What one sampled prompt is fed as. */
export interface PlannedInput {
  /** Position in the run's processing order. */
  position: number;
  datasetIndex: number;
  /** Tokens fed (special tokens included), after truncation. */
  tokens: number;
  truncated: boolean;
}

/** A prompt the model cannot take whole. */
interface TooLong {
  run: string;
  input: PlannedInput;
  /** False when the count is estimated from part of a very long text. */
  exact: boolean;
}

/** The samples named in a refusal; the rest are counted. */
const NAMED_SAMPLES = 3;

/**
 * Tokens a text can be fed as at most: every token of a byte-level or byte-fallback vocabulary covers at least one
 * byte, plus a word-start marker the tokenizer may put in front, plus the special tokens it adds.
 */
function tokenBound(text: string, specials: number): number {
  return Buffer.byteLength(text, 'utf8') + 1 + specials;
}

/** What each sampled prompt is fed as: exact token counts, truncated as `max_input_tokens` says. */
function measure(
  runs: readonly PlannedRun[],
  experiment: InputSettings,
  tokenizer: PromptTokenizer,
  context: number | null,
  needed: (text: string) => boolean,
): { inputs: PlannedInput[][]; tooLong: TooLong[] } {
  const maxInput = experiment.max_input_tokens;
  const tooLong: TooLong[] = [];
  const inputs = runs.map((run) =>
    run.sampleIndices.flatMap((datasetIndex, position): PlannedInput[] => {
      const text = run.prompt.fullInput(run.dataset.samples[datasetIndex] as Sample, experiment.answer_cue);
      if (!needed(text)) return [];
      let input: PlannedInput;
      let exact = true;
      if (maxInput !== null) {
        const { ids, truncated } = tokenizer.encodeTruncated(text, maxInput);
        input = { position, datasetIndex, tokens: ids.length, truncated };
      } else {
        const counted = tokenizer.countTokens(text, context ?? Number.MAX_SAFE_INTEGER);
        input = { position, datasetIndex, tokens: counted.count, truncated: false };
        exact = counted.exact;
      }
      if (context !== null && input.tokens > context) tooLong.push({ run: run.name, input, exact });
      return [input];
    }),
  );
  return { inputs, tooLong };
}

/**
 * Refuses the job when a sampled prompt is longer than the model's context (max_position_embeddings in config.json)
 * after max_input_tokens, naming the samples and their token counts. Only prompts that could be too long are
 * tokenized: none when there is no context or max_input_tokens fits in it, and otherwise only those whose byte
 * length could exceed it, so a run does not tokenize its dataset twice before the first forward pass.
 */
export function refuseTooLongInputs(runs: readonly PlannedRun[], experiment: InputSettings, tokenizer: PromptTokenizer, modelDir: ModelDirectory): void {
  const context = modelDir.config.maxPositionEmbeddings;
  const maxInput = experiment.max_input_tokens;
  if (context === null || (maxInput !== null && maxInput <= context)) return;
  const specials = tokenizer.countTokens('', 1).count;
  const { tooLong } = measure(runs, experiment, tokenizer, context, (text) => tokenBound(text, specials) > context);
  if (tooLong.length > 0) throw tooLongError(tooLong, context, maxInput, modelDir.configPath);
}

/**
 * The dry run's plan: every sampled prompt tokenized (long texts only as far as a limit needs), each run's inputs in
 * processing order; refused as a run would be when a prompt is longer than the model's context.
 */
export function plannedInputs(runs: readonly PlannedRun[], experiment: InputSettings, tokenizer: PromptTokenizer, modelDir: ModelDirectory): PlannedInput[][] {
  const context = modelDir.config.maxPositionEmbeddings;
  const { inputs, tooLong } = measure(runs, experiment, tokenizer, context, () => true);
  if (context !== null && tooLong.length > 0) throw tooLongError(tooLong, context, experiment.max_input_tokens, modelDir.configPath);
  return inputs;
}

function tooLongError(tooLong: readonly TooLong[], context: number, maxInput: number | null, configPath: string): ExperimentError {
  const named = tooLong.slice(0, NAMED_SAMPLES).map(({ run, input, exact }) => {
    const count = `${exact ? '' : 'about '}${input.tokens} tokens`;
    return `variant ${run}, sample ${input.position} (dataset index ${input.datasetIndex}): ${count}`;
  });
  const more = tooLong.length > NAMED_SAMPLES ? `; and ${tooLong.length - NAMED_SAMPLES} more` : '';
  const prompts = tooLong.length === 1 ? 'a prompt is' : `${tooLong.length} prompts are`;
  const remedy =
    maxInput === null
      ? `set experiment.max_input_tokens (at most ${context}) to truncate them`
      : `experiment.max_input_tokens = ${maxInput} is more than the context; set it to at most ${context}`;
  return new ExperimentError(
    `${prompts} longer than the model's context of ${context} tokens (max_position_embeddings in ${configPath}): ${named.join('; ')}${more}. Nothing was computed; ${remedy}.`,
    'experiment.max_input_tokens',
  );
}
