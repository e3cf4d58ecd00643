import { z } from 'zod';
import type { NamedRunSettings, RunSettings } from '../results/run-settings.js';
import type { ExperimentDetail, RunRecord } from '../store/types.js';
import { datasetFileName } from './config-run-settings.js';
import { storedWorkbenchConfig } from './report-from-store.js';

/** The prompt options a run recorded (runs.prompt_options_json: the prompt spec it ran with); each may be missing. */
const RecordedPromptOptionsSchema = z
  .object({
    strategy: z.string(),
    output_format: z.string(),
    few_shot: z.boolean(),
    answer_first: z.boolean(),
    contrarian: z.boolean(),
  })
  .partial();

/** A stored run's settings, from what the history recorded for it and its experiment. */
export function storedRunSettings(experiment: ExperimentDetail, run: RunRecord, config = storedWorkbenchConfig(experiment)): RunSettings {
  const parsed = RecordedPromptOptionsSchema.safeParse(run.promptOptions ?? {});
  const options = parsed.success ? parsed.data : {};
  return {
    dataset: run.datasetName,
    datasetFile: datasetFileName(run.datasetPath),
    prompt: run.promptName,
    promptStrategy: options.strategy ?? null,
    outputFormat: options.output_format ?? null,
    fewShot: options.few_shot ?? null,
    answerFirst: options.answer_first ?? null,
    contrarian: options.contrarian ?? null,
    samples: run.numSamplesPlanned,
    seed: run.seed,
    pooling: experiment.pooling,
    hook: experiment.hook,
    layers: run.layerIndices,
    model: experiment.modelName,
    maxInputTokens: config?.experiment.max_input_tokens ?? null,
  };
}

/** Every run of a stored experiment with its settings, in run order. */
export function storedRunsWithSettings(experiment: ExperimentDetail): NamedRunSettings[] {
  const config = storedWorkbenchConfig(experiment);
  return experiment.runs.map((run) => ({ name: run.name, settings: storedRunSettings(experiment, run, config) }));
}

