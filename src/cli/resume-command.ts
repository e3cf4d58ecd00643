import type { Command } from 'commander';
import { resumeExperiment } from '../experiments/run-experiment.js';
import { runJobCommand, type JobCommandOptions } from './job-command.js';
import { addDbOption } from './store-option.js';

export function registerResumeCommand(program: Command): void {
  const command = program
    .command('resume')
    .description(
      'Continue an interrupted experiment from its next sample (it must have kept all vectors: run --store-vectors all, the default). The samples already stored are reused, so the results equal those of an uninterrupted run. For a completed experiment whose report failed or is gone (or with --out), write its report folder from the history without computing anything.',
    )
    .argument('<experiment>', 'experiment id (as listed by `cotlab-wb history`) or uid prefix')
    .option('--out <dir>', 'write the report into this folder instead of the one chosen when the experiment started')
    .option('--force', 'let --out overwrite a folder that already holds a report')
    .option('--no-progress', 'no progress bar');
  addDbOption(command).action(async (ref: string, options: JobCommandOptions) => {
    await runJobCommand(options, (store, context, hooks) =>
      resumeExperiment(store, store.resolveExperimentRef(ref), context, hooks),
    );
  });
}
