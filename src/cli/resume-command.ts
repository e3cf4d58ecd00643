import path from 'node:path';
import type { Command } from 'commander';
import { appVersion } from '../app-info.js';
import { resumeJob } from '../experiments/resume.js';
import { reportingInterruption, stopOnInterrupt } from './interrupt.js';
import { cliPaths } from './paths.js';
import { createProgressBar } from './progress-bar.js';
import { printJobResult } from './run-command.js';
import { addDbOption, openHistoryForWriting, type DbOption } from './store-option.js';

interface ResumeOptions extends DbOption {
  out?: string;
  progress: boolean;
}

export function registerResumeCommand(program: Command): void {
  const command = program
    .command('resume')
    .description(
      'Continue an interrupted experiment from its next sample (it must have kept all vectors: run --store-vectors all, the default). The samples already stored are reused, so the results equal those of an uninterrupted run.',
    )
    .argument('<experiment>', 'experiment id (as listed by `cotlab-wb history`) or uid prefix')
    .option('--out <dir>', 'write the report into this folder instead of the one chosen when the experiment started')
    .option('--no-progress', 'no progress bar');
  addDbOption(command).action(async (ref: string, options: ResumeOptions) => {
    const paths = cliPaths();
    const log = (line: string) => process.stderr.write(`${line}\n`);
    const store = openHistoryForWriting(options);
    const bar = options.progress ? createProgressBar() : null;
    const interrupt = stopOnInterrupt(() => {
      bar?.stop();
      log('stopping after the current sample (press Ctrl+C again to quit at once)…');
    });
    try {
      const experimentId = store.resolveExperimentRef(ref);
      await reportingInterruption(async () => {
        const result = await resumeJob(
          store,
          experimentId,
          {
            configDir: paths.configDir,
            dataRoot: paths.root,
            cacheDir: paths.cacheDir,
            outputRoot: process.cwd(),
            outDir: options.out ? path.resolve(options.out) : null,
            appVersion: appVersion(),
            log,
          },
          { onProgress: (event) => bar?.update(event), signal: interrupt.signal },
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
