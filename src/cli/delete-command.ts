import type { Command } from 'commander';
import { localDateTime } from '../report/local-time.js';
import { addDbOption, withHistoryStore, type DbOption } from './store-option.js';
import { terminalLine } from './terminal-text.js';

export function registerDeleteCommand(program: Command): void {
  const command = program
    .command('delete')
    .description('Delete an experiment from the history with everything it holds (runs, samples, vectors, comparisons). Its report folder on disk is left alone.')
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix');
  addDbOption(command).action(async (ref: string, options: DbOption) => {
    const line = await withHistoryStore(options, (store) => {
      const experiment = store.getExperiment(store.resolveExperimentRef(ref));
      store.deleteExperiment(experiment.id);
      return `Deleted experiment ${experiment.id} (${experiment.name}, ${experiment.runs.map((run) => run.name).join(', ')}, started ${localDateTime(new Date(experiment.startedAt))}).`;
    });
    process.stdout.write(`${terminalLine(line)}\n`);
  });
}
