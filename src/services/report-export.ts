import path from 'node:path';
import { requireCompletedWorkbench, storedComparisons } from '../experiments/report-from-store.js';
import { storedExportText, type StoredExportFormat } from '../experiments/stored-exports.js';
import { exportStoredVectors } from '../experiments/stored-vectors-export.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail } from '../store/types.js';
import type { ExportedReport, ExportedVectors, ExportFormat } from '../contract/index.js';

const FILES: Record<ExportFormat, { format: StoredExportFormat; suffix: string; mimeType: string }> = {
  markdown: { format: 'md', suffix: '-EXPERIMENT.md', mimeType: 'text/markdown' },
  json: { format: 'json', suffix: '-results.json', mimeType: 'application/json' },
  html: { format: 'html', suffix: '.html', mimeType: 'text/html' },
  csv: { format: 'csv', suffix: '-metrics.csv', mimeType: 'text/csv' },
};

/** The experiment's report folder, or (for one that never wrote it, e.g. imported) a folder for its exports. */
export function exportFolder(experiment: ExperimentDetail, outputRoot: string): string {
  return experiment.outputDir ?? path.join(outputRoot, 'exports', `experiment-${experiment.id}`);
}

/**
 * A stored experiment as one file, made by the engine exactly as `cotlab-wb export` makes it: EXPERIMENT.md and
 * results.json (with the analytics) rebuilt from the history, the self-contained HTML report, the metrics CSV.
 */
export function exportReport(store: HistoryReader, experiment: ExperimentDetail, format: ExportFormat, configDir: string, outputRoot: string): ExportedReport {
  const file = FILES[format];
  return {
    fileName: `experiment-${experiment.id}${file.suffix}`,
    mimeType: file.mimeType,
    content: storedExportText(store, experiment, file.format, configDir, exportFolder(experiment, outputRoot)),
  };
}

/** Per-sample vectors and diff-in-means directions as .npy files with JSON indexes (`export --format npy`). */
export async function exportVectors(store: HistoryReader, experiment: ExperimentDetail, dir: string): Promise<ExportedVectors> {
  const config = experiment.source === 'workbench' ? requireCompletedWorkbench(experiment, 'npy') : null;
  const comparisons = storedComparisons(store, experiment, (config !== null && 'store_per_layer' in config.experiment ? config.experiment.store_per_layer : true));
  const written = await exportStoredVectors(store, experiment, comparisons, dir);
  return { dir, sampleFiles: written.samples?.files.length ?? 0, directionFiles: written.directions.files.length };
}
