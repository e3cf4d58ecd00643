import { ExperimentInterruptedError, ReportNotWrittenError } from '../experiments/history-errors.js';
import { shellQuote } from '../report/shell-quote.js';
import { terminalLine } from './terminal-text.js';

/** Exit status of a process stopped by Ctrl+C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Turns the first Ctrl+C into an AbortSignal (the job stops cleanly between two samples and records itself as
 * interrupted); a second Ctrl+C quits at once, which the history survives as it would a crash.
 */
export function stopOnInterrupt(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    controller.abort();
    onFirst();
  };
  process.on('SIGINT', handler);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', handler) };
}

/**
 * Runs a job; when it was stopped by Ctrl+C, says how to continue it and sets exit status 130 instead of failing;
 * when it completed but its report folder could not be written, says how to write it from the history (exit 1).
 * `dbOption` is the --db value the user gave, repeated in the suggested command.
 */
export async function reportingKeptExperiment(job: () => Promise<void>, dbOption: string | undefined): Promise<void> {
  try {
    await job();
  } catch (error) {
    const db = dbOption === undefined ? '' : ` --db ${shellQuote(dbOption)}`;
    if (error instanceof ReportNotWrittenError) {
      process.stderr.write(
        `${terminalLine(`cotlab-wb: ${error.message} Write it, without computing anything again, with: cotlab-wb resume ${error.experimentId}${db} [--out DIR] (or cotlab-wb export ${error.experimentId}${db} --format json|md|html --out FILE)`)}\n`,
      );
      process.exitCode = 1;
      return;
    }
    if (!(error instanceof ExperimentInterruptedError)) throw error;
    process.stderr.write(`${terminalLine(`cotlab-wb: ${error.message} Continue it with: cotlab-wb resume ${error.experimentId}${db}`)}\n`);
    process.exitCode = INTERRUPTED_EXIT_CODE;
  }
}
