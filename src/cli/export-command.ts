import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import type { PairAnalysis } from '../analytics/divergence.js';
import { HistoryExportError } from '../experiments/history-errors.js';
import { resultsWithDivergence } from '../experiments/report-files.js';
import {
  requireCompletedWorkbench,
  storedAnalyses,
  storedComparisons,
  storedMetrics,
  storedReportInput,
  storedRunSummaries,
  storedWorkbenchConfig,
} from '../experiments/report-from-store.js';
import { exportStoredVectors } from '../experiments/stored-vectors-export.js';
import type { Comparison } from '../experiments/types.js';
import { metricsCsv } from '../report/csv.js';
import { buildExperimentMd } from '../report/experiment-md.js';
import { renderHtmlReport } from '../report/html-report.js';
import { ReportWriteError } from '../report/write-report.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail } from '../store/types.js';
import { cliPaths } from './paths.js';
import { addDbOption, withHistory, type DbOption } from './store-option.js';

const FORMATS = ['md', 'json', 'html', 'csv', 'npy'] as const;
type ExportFormat = (typeof FORMATS)[number];

interface ExportOptions extends DbOption {
  format: ExportFormat;
  out?: string;
}

/** Comparisons (per-layer values always kept) and analyses of an experiment that can be shown as a table or page. */
function comparisonsWithAnalyses(
  store: HistoryStore,
  experiment: ExperimentDetail,
  format: ExportFormat,
): { comparisons: Comparison[]; analyses: PairAnalysis[] } {
  if (experiment.source === 'workbench') requireCompletedWorkbench(experiment, format);
  const comparisons = storedComparisons(store, experiment, true);
  return { comparisons, analyses: storedAnalyses(store, experiment, comparisons) };
}

function htmlReport(store: HistoryStore, experiment: ExperimentDetail): string {
  const { comparisons, analyses } = comparisonsWithAnalyses(store, experiment, 'html');
  const config = storedWorkbenchConfig(experiment);
  const report = config === null ? null : storedReportInput(store, experiment, 'html', cliPaths().configDir);
  return renderHtmlReport({
    title: `Experiment ${experiment.id}: ${experiment.name}`,
    generatedAt: new Date().toISOString(),
    model: experiment.modelName ?? 'unknown model',
    metrics: report?.metrics ?? storedMetrics(experiment, comparisons, 'pairwise'),
    runs: storedRunSummaries(store, experiment),
    comparisons,
    capture: report?.capture ?? null,
    analyses,
  });
}

/** The text of a one-file export. */
function exportText(store: HistoryStore, experiment: ExperimentDetail, format: Exclude<ExportFormat, 'npy'>, outPath: string | null): string {
  switch (format) {
    case 'md': {
      const report = storedReportInput(store, experiment, format, cliPaths().configDir);
      return buildExperimentMd(report, experiment.outputDir ?? path.dirname(outPath ?? '.'));
    }
    case 'json': {
      const report = storedReportInput(store, experiment, format, cliPaths().configDir);
      return `${JSON.stringify(resultsWithDivergence(report, storedAnalyses(store, experiment, report.comparisons)), null, 2)}\n`;
    }
    case 'csv': {
      const { comparisons, analyses } = comparisonsWithAnalyses(store, experiment, format);
      return metricsCsv(comparisons, analyses);
    }
    case 'html':
      return htmlReport(store, experiment);
  }
}

export function registerExportCommand(program: Command): void {
  const command = program
    .command('export')
    .description(
      'Export a stored experiment: md (EXPERIMENT.md), json (results.json with the analytics, rebuilt from the history), html (one self-contained report page), csv (per-layer metrics), npy (per-sample vectors and diff-in-means directions as NumPy files with JSON indexes; needs --out DIR).',
    )
    .argument('<experiment>', 'experiment id (see `cotlab-wb history`) or uid prefix')
    .addOption(new Option('--format <format>', 'what to write').choices(FORMATS).makeOptionMandatory())
    .option('--out <path>', 'file to write (folder for npy); default: print to standard output');
  addDbOption(command).action(async (ref: string, options: ExportOptions) => {
    const outPath = options.out === undefined ? null : path.resolve(options.out);
    await withHistory(options, 'read', async (store) => {
      const experiment = store.getExperiment(store.resolveExperimentRef(ref));
      if (options.format === 'npy') {
        if (outPath === null) throw new HistoryExportError(experiment.id, 'npy', 'give a folder to write into with --out DIR');
        const config = experiment.source === 'workbench' ? requireCompletedWorkbench(experiment, 'npy') : null;
        const comparisons = storedComparisons(store, experiment, config?.experiment.store_per_layer ?? true);
        const written = await exportStoredVectors(store, experiment, comparisons, outPath);
        process.stderr.write(
          `wrote ${written.samples?.files.length ?? 0} sample-vector files and ${written.directions.files.length} direction files to ${outPath}\n`,
        );
        return;
      }
      const text = exportText(store, experiment, options.format, outPath);
      if (outPath === null) {
        process.stdout.write(text);
        return;
      }
      try {
        await writeFile(outPath, text, 'utf8');
      } catch (cause) {
        throw new ReportWriteError(outPath, { cause });
      }
      process.stderr.write(`wrote ${outPath}\n`);
    });
  });
}
