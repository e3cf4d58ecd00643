import { type Command, InvalidArgumentError, Option } from 'commander';
import { localDateTime } from '../report/local-time.js';
import type { ExperimentListItem, ExperimentStatus } from '../store/types.js';
import { addDbOption, historyPath, withHistoryReader, type DbOption } from './store-option.js';
import { formatTable, shortDuration } from './text-table.js';
import { stringifyJsonExact } from '../config/exact-json.js';
import { terminalLine } from './terminal-text.js';

interface HistoryOptions extends DbOption {
  json?: boolean;
  limit: number;
  search?: string;
  status?: ExperimentStatus;
}

const STATUSES: ExperimentStatus[] = ['running', 'completed', 'interrupted', 'failed'];

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('use a whole number of 1 or more');
  return number;
}

/** The --json form of one history entry (snake_case, like results.json). */
function historyEntryJson(item: ExperimentListItem) {
  return {
    id: item.id,
    uid: item.uid,
    name: item.name,
    status: item.status,
    source: item.source,
    started_at: item.startedAt,
    model: item.modelName,
    demo_model: item.demoModel,
    pooling: item.pooling,
    variants: item.variants,
    samples: item.totalSamples,
    duration_s: item.durationS,
    error: item.error,
    notes: item.notes,
    tags: item.tags,
  };
}

function tableRow(item: ExperimentListItem): string[] {
  return [
    String(item.id),
    localDateTime(new Date(item.startedAt)).slice(0, 16),
    `${item.modelName ?? '-'}${item.source === 'cotlab-import' ? ' (CoTLab import)' : ''}`,
    item.variants.join(', '),
    String(item.totalSamples),
    shortDuration(item.durationS),
    item.status,
    item.tags.join(' '),
  ];
}

export function registerHistoryCommand(program: Command): void {
  const command = program
    .command('history')
    .description('List the experiments in the history, newest first.')
    .option('--json', 'print a JSON array (id, status, started_at, model, variants, samples, duration_s, ...)')
    .option('--limit <n>', 'show at most this many', positiveInteger, 20)
    .option(
      '--search <text>',
      'only experiments whose name, model, capture point, pooling, notes, tags, or a run, dataset (name or file), prompt or prompt option contains this text',
    )
    .addOption(new Option('--status <status>', 'only experiments with this status').choices(STATUSES));
  addDbOption(command).action(async (options: HistoryOptions) => {
    const page = await withHistoryReader(options, (store) =>
      store.listExperiments({ limit: options.limit, search: options.search ?? null, status: options.status ?? null }),
    );
    if (options.json === true) {
      process.stdout.write(`${stringifyJsonExact(page.items.map(historyEntryJson), 2)}\n`);
      return;
    }
    if (page.items.length === 0) {
      process.stdout.write(`${terminalLine(`No experiments${options.search || options.status ? ' match' : ''} in ${historyPath(options)}.`)}\n`);
      return;
    }
    const table = formatTable(
      ['ID', 'DATE', 'MODEL', 'VARIANTS', 'SAMPLES', 'DURATION', 'STATUS', 'TAGS'],
      page.items.map(tableRow),
      [0, 4, 5],
    );
    const more = page.total > page.items.length ? `\n${page.items.length} of ${page.total} shown; use --limit to see more.` : '';
    process.stdout.write(`${table}${more}\n`);
  });
}
