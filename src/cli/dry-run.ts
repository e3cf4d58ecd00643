/** `run dry_run=true`: the plan of an experiment, printed; no model loaded, nothing computed, recorded or written. */
import type { Sample } from '../datasets/sample.js';
import { plannedInputs, type PlannedInput } from '../experiments/input-check.js';
import type { PlannedRun } from '../experiments/plan.js';
import type { AnyExperimentSpec, WorkbenchConfig } from '../config/schemas.js';
import { logRuns, type PreparedJob } from '../experiments/prepare-job.js';
import { layerRanges } from '../results/layer-ranges.js';
import { formatTable } from './text-table.js';
import { terminalText } from './terminal-text.js';

function median(sorted: readonly number[]): number {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function label(sample: Sample): string {
  return sample.label === null ? '-' : String(sample.label);
}

function runPlan(run: PlannedRun, inputs: readonly PlannedInput[], answerCue: string | null): string[] {
  const lines: string[] = [];
  logRuns([run], (line) => lines.push(line));
  const tokens = inputs.map((input) => input.tokens).sort((a, b) => a - b);
  const truncated = inputs.filter((input) => input.truncated).length;
  if (tokens.length > 0) {
    lines.push(`  tokens per prompt: min ${tokens[0]}, median ${median(tokens)}, max ${tokens[tokens.length - 1]}; ${truncated} truncated`);
  }
  const rows = inputs.map((input) => {
    const sample = run.dataset.samples[input.datasetIndex] as Sample;
    return [String(input.position), String(input.datasetIndex), label(sample), String(input.tokens), input.truncated ? 'yes' : ''];
  });
  lines.push(...formatTable(['POSITION', 'DATASET INDEX', 'LABEL', 'TOKENS', 'TRUNCATED'], rows, [0, 1, 3]).split('\n').map((line) => `  ${line}`));
  const first = inputs[0];
  if (first !== undefined) {
    const text = run.prompt.fullInput(run.dataset.samples[first.datasetIndex] as Sample, answerCue);
    lines.push(`  the text fed for sample 0 (dataset index ${first.datasetIndex}), between the rules:`, '  ---', text, '  ---');
  }
  return lines;
}

/** What the experiment does with each prompt: capture, generate, or read the logit lens. */
function workLine(experiment: AnyExperimentSpec, layers: readonly number[]): string {
  switch (experiment.name) {
    case 'activation_compare':
      return `capture     ${experiment.hook}, pooling ${experiment.pooling}, layers ${layerRanges(layers)}${experiment.record_answers ? '; answers generated and scored' : ''}`;
    case 'classification': {
      const { generation } = experiment;
      const decoding = generation.do_sample ? `sampled (temperature ${generation.temperature}, top-p ${generation.top_p})` : 'greedy';
      return `generate    up to ${generation.max_new_tokens} new tokens, ${decoding}; answers scored against the gold labels`;
    }
    case 'logit_lens':
      return `logit lens  top ${experiment.top_k} tokens at layers ${layerRanges(layers)}`;
  }
}

/** The plan as text for the terminal (control characters from the data shown escaped). */
export function formatDryRun(job: PreparedJob<WorkbenchConfig>, reportFolder: string): string {
  const { config, modelDir } = job;
  const model = modelDir.config;
  const experiment: AnyExperimentSpec = config.experiment;
  const lines = [
    'Dry run (dry_run=true): the plan only. No model was loaded, nothing was computed, recorded in the history or written.',
    '',
    `model       ${config.model.name}: ${modelDir.dir} (${model.modelType}, ${model.numLayers} layers, hidden ${model.hiddenSize}, context ${model.maxPositionEmbeddings ?? 'not stated'} tokens)`,
    workLine(experiment, job.layers),
    `max input   ${experiment.max_input_tokens === null ? 'no limit' : `${experiment.max_input_tokens} tokens (longer prompts are truncated)`}`,
    `report      ${reportFolder}`,
  ];
  const inputs = plannedInputs(job.runs, experiment, job.tokenizer, modelDir);
  job.runs.forEach((run, index) => lines.push('', ...runPlan(run, inputs[index] ?? [], experiment.answer_cue)));
  return terminalText(`${lines.join('\n')}\n`);
}
