import { type Command, InvalidArgumentError } from 'commander';
import { addDbOption, withHistoryReader, withHistoryStore, type DbOption } from './store-option.js';

/** `+tag` or `tag` adds, `-tag` removes. */
export function tagChanges(words: readonly string[]): { addTags: string[]; removeTags: string[] } {
  const addTags: string[] = [];
  const removeTags: string[] = [];
  for (const word of words) {
    if (word.startsWith('-')) removeTags.push(word.slice(1));
    else addTags.push(word.startsWith('+') ? word.slice(1) : word);
  }
  if ([...addTags, ...removeTags].some((tag) => tag === '')) throw new InvalidArgumentError('a tag after + or - must not be empty');
  return { addTags, removeTags };
}

export function registerTagCommand(program: Command): void {
  const command = program
    .command('tag')
    .description('Add (+tag or tag) or remove (-tag) tags of an experiment, e.g. `cotlab-wb tag 12 +pilot -draft`; with none, print its tags.')
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix')
    .argument('[changes...]', '+tag to add, -tag to remove (put -- before the first -tag if your shell needs it)')
    // -tag is a removal, not an option.
    .allowUnknownOption();
  addDbOption(command).action(async (ref: string, words: string[], options: DbOption) => {
    const changes = tagChanges(words);
    const changing = changes.addTags.length + changes.removeTags.length > 0;
    const tags = changing
      ? await withHistoryStore(options, (store) => store.annotateExperiment(store.resolveExperimentRef(ref), changes).tags)
      : await withHistoryReader(options, (reader) => reader.getExperiment(reader.resolveExperimentRef(ref)).tags);
    process.stdout.write(`${tags.length === 0 ? '(no tags)' : tags.join(' ')}\n`);
  });
}
