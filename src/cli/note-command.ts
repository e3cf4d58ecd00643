import type { Command } from 'commander';
import { addDbOption, withHistoryReader, withHistoryStore, type DbOption } from './store-option.js';

interface NoteOptions extends DbOption {
  clear?: boolean;
}

export function registerNoteCommand(program: Command): void {
  const command = program
    .command('note')
    .description("Set an experiment's notes (they appear in `show`, the reports and the app, and `history --search` finds them); with no text, print them.")
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix')
    .argument('[text...]', 'the notes, replacing any before (quote them, or give several words)')
    .option('--clear', 'remove the notes');
  addDbOption(command).action(async (ref: string, words: string[], options: NoteOptions) => {
    const text = words.join(' ');
    const line =
      text === '' && options.clear !== true
        ? await withHistoryReader(options, (reader) => {
            const id = reader.resolveExperimentRef(ref);
            const notes = reader.getExperiment(id).notes;
            return notes === '' ? `Experiment ${id} has no notes.` : notes;
          })
        : await withHistoryStore(options, (store) => {
            const id = store.resolveExperimentRef(ref);
            store.annotateExperiment(id, { notes: options.clear === true ? '' : text });
            return options.clear === true ? `Cleared the notes of experiment ${id}.` : `Noted on experiment ${id}.`;
          });
    process.stdout.write(`${line}\n`);
  });
}
