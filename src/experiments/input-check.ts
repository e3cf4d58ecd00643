/** Every sampled prompt measured against the model's context before any compute. */
import type { ExperimentSpec } from '../config/schemas.js';
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
 * Tokenizes every sampled prompt of every run (long texts only as far as a limit needs) and refuses the job when a
 * prompt is longer than the model's context (max_position_embeddings in config.json) after max_input_tokens,
 * naming the samples and their token counts. Returns each run's inputs in processing order.
 */
export function checkInputs(
  runs: readonly PlannedRun[],
  experiment: Pick<ExperimentSpec, 'max_input_tokens' | 'answer_cue'>,
  tokenizer: PromptTokenizer,
  modelDir: ModelDirectory,
): PlannedInput[][] {
  const context = modelDir.config.maxPositionEmbeddings;
  const maxInput = experiment.max_input_tokens;
  const tooLong: TooLong[] = [];
  const inputs = runs.map((run) =>
    run.sampleIndices.map((datasetIndex, position): PlannedInput => {
      const text = run.prompt.fullInput(run.dataset.samples[datasetIndex] as Sample, experiment.answer_cue);
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
      return input;
    }),
  );
  if (context !== null && tooLong.length > 0) throw tooLongError(tooLong, context, maxInput, modelDir.configPath);
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
