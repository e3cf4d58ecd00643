import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { HistoryExportError } from '../experiments/history-errors.js';
import { storedExportText } from '../experiments/stored-exports.js';
import { exportExperimentVectors } from '../experiments/stored-vectors-export.js';
import { ReportWriteError } from '../report/write-report.js';
import { cliPaths } from './paths.js';
import { addDbOption, withHistoryReader, type DbOption } from './store-option.js';
import { terminalLine } from './terminal-text.js';

const FORMATS = ['md', 'json', 'html', 'csv', 'probing-csv', 'npy'] as const;
type ExportFormat = (typeof FORMATS)[number];

interface ExportOptions extends DbOption {
  format: ExportFormat;
  out?: string;
}

export function registerExportCommand(program: Command): void {
  const command = program
    .command('export')
    .description(
      'Export a stored experiment: md (EXPERIMENT.md), json (results.json with the analytics, rebuilt from the history), html (one self-contained report page), csv (per-layer metrics), probing-csv (per-layer probe scores, after `cotlab-wb probe`), npy (per-sample vectors and diff-in-means directions as NumPy files with JSON indexes; needs --out DIR).',
    )
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix')
    .addOption(new Option('--format <format>', 'what to write').choices(FORMATS).makeOptionMandatory())
    .option('--out <path>', 'file to write (folder for npy); default: print to standard output');
  addDbOption(command).action(async (ref: string, options: ExportOptions) => {
    const outPath = options.out === undefined ? null : path.resolve(options.out);
    await withHistoryReader(options, async (store) => {
      const experiment = store.getExperiment(store.resolveExperimentRef(ref));
      if (options.format === 'npy') {
        if (outPath === null) throw new HistoryExportError(experiment.id, 'npy', 'give a folder to write into with --out DIR');
        const written = await exportExperimentVectors(store, experiment, outPath);
        process.stderr.write(
          `${terminalLine(`wrote ${written.samples?.files.length ?? 0} sample-vector files and ${written.directions.files.length} direction files to ${outPath}`)}\n`,
        );
        return;
      }
      const text = storedExportText(store, experiment, options.format, cliPaths().configDir, path.dirname(outPath ?? '.'));
      if (outPath === null) {
        process.stdout.write(text);
        return;
      }
      try {
        await writeFile(outPath, text, 'utf8');
      } catch (cause) {
        throw new ReportWriteError(outPath, { cause });
      }
      process.stderr.write(`${terminalLine(`wrote ${outPath}`)}\n`);
    });
  });
}
