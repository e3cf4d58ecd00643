import path from 'node:path';
import { type Command, Option } from 'commander';
import { composeConfig, loadSavedConfig } from '../config/compose.js';
import { runExperiment } from '../experiments/run-experiment.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { prepareJob } from '../experiments/prepare-job.js';
import { formatDryRun } from './dry-run.js';
import { cliJobContext, runJobCommand, type JobCommandOptions } from './job-command.js';
import { cliPaths } from './paths.js';
import { addDbOption, parseStoreVectors } from './store-option.js';

interface RunOptions extends JobCommandOptions {
  config?: string;
  storeVectors: VectorPolicy;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description(
      'Run an experiment (default: activation_compare on the demo model and bundled data), record it in the experiment history and write its report folder. Ctrl+C stops after the current sample; `cotlab-wb resume ID` continues it. With dry_run=true it prints the plan (samples, token counts, the text fed) and computes, records and writes nothing.',
    )
    .argument('[overrides...]', 'Hydra-style overrides: group=option (dataset=radiology) or key=value (experiment.num_samples=50)')
    .option('--config <path>', 'run a saved config.json (from an earlier report) instead of composing configs/')
    .option('--out <dir>', 'write the report into this folder instead of outputs/YYYY-MM-DD/HH-MM-SS_...')
    .option('--force', 'let --out overwrite a folder that already holds a report')
    .option('--no-progress', 'no progress bar')
    .addOption(
      new Option(
        '--store-vectors <policy>',
        'per-sample vectors kept in the history: all (needed by resume), means (run means only), or layers:0,3,5',
      )
        .argParser(parseStoreVectors)
        .default('all' as VectorPolicy, 'all'),
    );
  addDbOption(command).action(async (overrides: string[], options: RunOptions) => {
    // The config is composed before the history is opened, so a config mistake leaves no history file behind.
    const config = options.config
      ? loadSavedConfig(path.resolve(options.config), overrides)
      : composeConfig({ configDir: cliPaths().configDir, overrides });
    if (config.dry_run) {
      const context = cliJobContext(options);
      const job = await prepareJob(config, context);
      const folder = context.outDir ?? `a new folder under ${path.join(context.outputRoot, 'outputs')}`;
      process.stdout.write(formatDryRun(job, folder));
      return;
    }
    await runJobCommand(options, (store, context, hooks) =>
      runExperiment(config, context, hooks, { store, vectorPolicy: options.storeVectors }),
    );
  });
}
