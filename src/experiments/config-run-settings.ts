import path from 'node:path';
import type { ResolvedConfig } from '../config/schemas.js';
import { resolveVariants } from '../config/variants.js';
import type { NamedRunSettings } from '../results/run-settings.js';
import type { RunSummary } from '../results/types.js';

/** The file name of a dataset path (no folder); null when there is none. */
export function datasetFileName(file: string | null): string | null {
  return file === null || file === '' ? null : path.basename(file);
}

/**
 * The runs of a job with their settings, from its config and what each run did (`runs`, in variant order: samples
 * and captured layers).
 */
export function configRunSettings(config: ResolvedConfig, runs: readonly RunSummary[]): NamedRunSettings[] {
  return resolveVariants(config).map((variant, index) => {
    const run = runs[index];
    return {
      name: variant.name,
      settings: {
        dataset: variant.dataset.name,
        datasetFile: datasetFileName(variant.dataset.path),
        prompt: variant.prompt.name,
        promptStrategy: variant.prompt.strategy,
        outputFormat: variant.prompt.output_format,
        fewShot: variant.prompt.few_shot,
        answerFirst: variant.prompt.answer_first,
        contrarian: variant.prompt.contrarian,
        samples: run?.num_samples ?? variant.num_samples ?? 0,
        seed: variant.seed,
        pooling: config.experiment.pooling,
        hook: config.experiment.hook,
        layers: run?.layer_indices ?? [],
        model: config.model.name,
        maxInputTokens: config.experiment.max_input_tokens,
      },
    };
  });
}
