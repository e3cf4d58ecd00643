import path from 'node:path';
import type { Command } from 'commander';
import { appVersion } from '../app-info.js';
import { composeConfig, loadSavedConfig } from '../config/compose.js';
import { runJob } from '../experiments/run-job.js';
import { cliPaths } from './paths.js';
import { createProgressBar } from './progress-bar.js';

interface RunOptions {
  config?: string;
  out?: string;
  progress: boolean;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('Run an experiment (default: activation_compare on the demo model and bundled data) and write its report folder.')
    .argument('[overrides...]', 'Hydra-style overrides: group=option (dataset=radiology) or key=value (experiment.num_samples=50)')
    .option('--config <path>', 'run a saved config.json (from an earlier report) instead of composing configs/')
    .option('--out <dir>', 'write the report into this folder instead of outputs/YYYY-MM-DD/HH-MM-SS_...')
    .option('--no-progress', 'no progress bar')
    .action(async (overrides: string[], options: RunOptions) => {
      const paths = cliPaths();
      const config = options.config
        ? loadSavedConfig(path.resolve(options.config), overrides)
        : composeConfig({ configDir: paths.configDir, overrides });
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const bar = options.progress ? createProgressBar() : null;
      try {
        const result = await runJob(
          config,
          {
            configDir: paths.configDir,
            dataRoot: paths.root,
            cacheDir: paths.cacheDir,
            outputRoot: process.cwd(),
            outDir: options.out ? path.resolve(options.out) : null,
            appVersion: appVersion(),
            log,
          },
          { onProgress: (event) => bar?.update(event) },
        );
        bar?.stop();
        for (const comparison of result.outcome.comparisons) {
          log(`${comparison.run_a} vs ${comparison.run_b}: mean cosine ${comparison.mean_cosine_similarity.toFixed(4)}, mean L2 ${comparison.mean_l2_distance.toFixed(4)}`);
        }
        process.stdout.write(`${result.outputDir}\n`);
      } finally {
        bar?.stop();
      }
    });
}
