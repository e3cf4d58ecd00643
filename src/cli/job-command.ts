import path from 'node:path';
import { appVersion } from '../app-info.js';
import type { JobContext } from '../experiments/prepare-job.js';
import type { ExperimentRun } from '../experiments/run-experiment.js';
import type { JobHooks } from '../experiments/run-job.js';
import type { HistoryStore } from '../store/history-store.js';
import { reportingKeptExperiment, stopOnInterrupt } from './interrupt.js';
import { cliPaths } from './paths.js';
import { createProgressBar } from './progress-bar.js';
import { openHistoryForWriting, type DbOption } from './store-option.js';
import { terminalLine } from './terminal-text.js';

/** The options `run` and `resume` share. */
export interface JobCommandOptions extends DbOption {
  out?: string;
  force?: boolean;
  progress: boolean;
}

/** Starts (or continues) the job with the history open, the CLI's job context and the progress/stop hooks. */
export type StartJob = (store: HistoryStore, context: JobContext, hooks: JobHooks) => Promise<ExperimentRun>;

/**
 * Runs a job from the command line as `run` and `resume` do: the history open for writing, a progress bar, the
 * first Ctrl+C as a clean stop that says how to resume, and the result printed (see printJobResult).
 */
export async function runJobCommand(options: JobCommandOptions, start: StartJob): Promise<void> {
  const log = cliLog;
  const store = openHistoryForWriting(options);
  const bar = options.progress ? createProgressBar() : null;
  const interrupt = stopOnInterrupt(() => {
    bar?.stop();
    log('stopping after the current sample (press Ctrl+C again to quit at once)…');
  });
  const context = cliJobContext(options);
  try {
    await reportingKeptExperiment(async () => {
      const result = await start(store, context, { onProgress: (event) => bar?.update(event), signal: interrupt.signal });
      bar?.stop();
      printJobResult(result, log);
    }, options.db);
  } finally {
    bar?.stop();
    interrupt.dispose();
    store.close();
  }
}

/** Progress lines for people, on stderr, one line each with control characters from the data shown escaped. */
export function cliLog(line: string): void {
  process.stderr.write(`${terminalLine(line)}\n`);
}

/** The CLI's job context: configs and data of the installation, reports under the working folder (or --out). */
export function cliJobContext(options: Pick<JobCommandOptions, 'out' | 'force'>): JobContext {
  const paths = cliPaths();
  return {
    configDir: paths.configDir,
    dataRoot: paths.root,
    cacheDir: paths.cacheDir,
    outputRoot: process.cwd(),
    outDir: options.out ? path.resolve(options.out) : null,
    overwriteReport: options.force === true,
    appVersion: appVersion(),
    log: cliLog,
  };
}

/** The summary (comparisons, accuracies, lens) and history id on stderr, the report folder on stdout (for scripts). */
function printJobResult(result: ExperimentRun, log: (line: string) => void): void {
  for (const line of result.summary) log(line);
  if (result.experimentId !== null) log(`history: experiment ${result.experimentId} completed`);
  process.stdout.write(`${result.outputDir}\n`);
}
