import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { HistoryImportError } from '../experiments/history-errors.js';
import { addDbOption, withHistoryStore, type DbOption } from './store-option.js';
import { terminalLine } from './terminal-text.js';
import { parseJsonExact } from '../config/exact-json.js';

/** The parsed JSON of a file, or a HistoryImportError saying why it cannot be read. */
function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HistoryImportError(file, (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (error as Error).message);
  }
  try {
    return parseJsonExact(text);
  } catch (error) {
    throw new HistoryImportError(file, `it is not valid JSON (${(error as Error).message})`);
  }
}

export function registerImportCommand(program: Command): void {
  const command = program
    .command('import')
    .description('Add a CoTLab activation_compare results.json to the history (as a completed experiment with its norms and per-layer metrics; CoTLab keeps no vectors).')
    .argument('<results-json>', 'path of a CoTLab results.json');
  addDbOption(command).action(async (file: string, options: DbOption) => {
    const source = path.resolve(file);
    const json = readJsonFile(source);
    const imported = await withHistoryStore(options, (store) => store.importCotlabResults(json, source));
    const line = imported.created
      ? `Imported ${source} as experiment ${imported.experimentId}.`
      : `${source} is already in the history as experiment ${imported.experimentId}; nothing was changed.`;
    process.stdout.write(`${terminalLine(line)}\n`);
  });
}
