import { terminalLine, terminalText } from './terminal-text.js';

/** Prints an error as one line (the stack only when asked), as researchers need the what, not the where. */
export function reportCliError(error: unknown, verbose: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`cotlab-wb: error: ${terminalLine(message.split('\n').join(' '))}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${terminalText(error.stack)}\n`);
}
