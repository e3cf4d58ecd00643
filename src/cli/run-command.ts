import path from 'node:path';
import { type Command, Option } from 'commander';
import { appVersion } from '../app-info.js';
import { composeConfig, loadSavedConfig } from '../config/compose.js';
import { runJob, type JobResult } from '../experiments/run-job.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import { cliPaths } from './paths.js';
import { createProgressBar } from './progress-bar.js';
import { reportingInterruption, stopOnInterrupt } from './interrupt.js';
import { addDbOption, openHistoryForWriting, parseStoreVectors, type DbOption } from './store-option.js';

interface RunOptions extends DbOption {
  config?: string;
  out?: string;
  progress: boolean;
  storeVectors: VectorPolicy;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description(
      'Run an experiment (default: activation_compare on the demo model and bundled data), record it in the experiment history and write its report folder. Ctrl+C stops after the current sample; `cotlab-wb resume ID` continues it.',
    )
    .argument('[overrides...]', 'Hydra-style overrides: group=option (dataset=radiology) or key=value (experiment.num_samples=50)')
    .option('--config <path>', 'run a saved config.json (from an earlier report) instead of composing configs/')
    .option('--out <dir>', 'write the report into this folder instead of outputs/YYYY-MM-DD/HH-MM-SS_...')
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
    const paths = cliPaths();
    const config = options.config
      ? loadSavedConfig(path.resolve(options.config), overrides)
      : composeConfig({ configDir: paths.configDir, overrides });
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const store = openHistoryForWriting(options);
    const bar = options.progress ? createProgressBar() : null;
    const interrupt = stopOnInterrupt(() => {
      bar?.stop();
      log('stopping after the current sample (press Ctrl+C again to quit at once)…');
    });
    const context = {
      configDir: paths.configDir,
      dataRoot: paths.root,
      cacheDir: paths.cacheDir,
      outputRoot: process.cwd(),
      outDir: options.out ? path.resolve(options.out) : null,
      appVersion: appVersion(),
      log,
    };
    try {
      await reportingInterruption(async () => {
        const result = await runJob(
          config,
          context,
          { onProgress: (event) => bar?.update(event), signal: interrupt.signal },
          { store, vectorPolicy: options.storeVectors },
        );
        bar?.stop();
        printJobResult(result, log);
      }, options.db);
    } finally {
      bar?.stop();
      interrupt.dispose();
      store.close();
    }
  });
}

/** The comparison summary and history id on stderr, the report folder on stdout (for scripts). */
export function printJobResult(result: JobResult, log: (line: string) => void): void {
  for (const comparison of result.outcome.comparisons) {
    log(`${comparison.run_a} vs ${comparison.run_b}: mean cosine ${comparison.mean_cosine_similarity.toFixed(4)}, mean L2 ${comparison.mean_l2_distance.toFixed(4)}`);
  }
  if (result.experimentId !== null) log(`history: experiment ${result.experimentId} completed`);
  process.stdout.write(`${result.outputDir}\n`);
}
