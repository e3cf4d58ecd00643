import { open } from 'node:fs/promises';
import path from 'node:path';
import type { StoredRunRef } from '../experiments/compare-stored-runs.js';
import { comparisonExportText } from '../experiments/comparison-exports.js';
import { vectorsArchiveName, writeVectorsArchive } from '../experiments/vectors-archive.js';
import { requireCompletedWorkbench, storedComparisons } from '../experiments/report-from-store.js';
import { storedExportText, type StoredExportFormat } from '../experiments/stored-exports.js';
import { exportStoredVectors } from '../experiments/stored-vectors-export.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail } from '../store/types.js';
import type { ApiRequest, ArchiveChunk, ExportedArchive, ExportedReport, ExportedVectors, ExportFormat } from '../contract/index.js';
import { EngineRequestError } from './engine-calls.js';

const FILES: Record<ExportFormat, { format: StoredExportFormat; suffix: string; mimeType: string }> = {
  markdown: { format: 'md', suffix: '-EXPERIMENT.md', mimeType: 'text/markdown' },
  json: { format: 'json', suffix: '-results.json', mimeType: 'application/json' },
  html: { format: 'html', suffix: '.html', mimeType: 'text/html' },
  csv: { format: 'csv', suffix: '-metrics.csv', mimeType: 'text/csv' },
  probingCsv: { format: 'probing-csv', suffix: '-probing.csv', mimeType: 'text/csv' },
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
  const comparisons = storedComparisons(store, experiment, config?.experiment.store_per_layer ?? true);
  const written = await exportStoredVectors(store, experiment, comparisons, dir);
  return { dir, sampleFiles: written.samples?.files.length ?? 0, directionFiles: written.directions.files.length };
}

/** Runs picked from the history, compared and written like an experiment's export (the same formats and types). */
export function exportComparison(store: HistoryReader, picked: readonly StoredRunRef[], format: 'markdown' | 'html' | 'csv'): ExportedReport {
  const file = FILES[format];
  const names = picked.map((ref) => `${ref.experiment.id}-${ref.run.name}`).join('_');
  return {
    fileName: `comparison-${names.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120)}${format === 'markdown' ? '.md' : file.suffix}`,
    mimeType: file.mimeType,
    content: comparisonExportText(store, picked, file.format as 'md' | 'html' | 'csv'),
  };
}

/** The .npy export as one tar in the experiment's export folder, for a browser to fetch (readVectorsArchiveChunk). */
export async function exportVectorsArchive(store: HistoryReader, experiment: ExperimentDetail, outputRoot: string): Promise<ExportedArchive> {
  const archive = await writeVectorsArchive(store, experiment, exportFolder(experiment, outputRoot));
  return { fileName: path.basename(archive.file), mimeType: 'application/x-tar', bytes: archive.bytes };
}

/** A piece of an experiment's vectors archive; no other file can be read this way. */
export async function readVectorsArchiveChunk(
  experiment: ExperimentDetail,
  outputRoot: string,
  request: Pick<ApiRequest<'readExportChunk'>, 'fileName' | 'offset' | 'length'>,
): Promise<ArchiveChunk> {
  if (request.fileName !== vectorsArchiveName(experiment.id)) {
    throw new EngineRequestError(`${request.fileName} is not an export of experiment ${experiment.id}.`, 'bad_request');
  }
  const file = path.join(exportFolder(experiment, outputRoot), request.fileName);
  const handle = await open(file, 'r').catch(() => {
    throw new EngineRequestError(`${request.fileName} has not been made yet (or was removed): export it again.`, 'not_found');
  });
  try {
    const size = (await handle.stat()).size;
    const buffer = Buffer.alloc(Math.max(0, Math.min(request.length, size - request.offset)));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, request.offset);
    return { base64: buffer.subarray(0, bytesRead).toString('base64'), done: request.offset + bytesRead >= size };
  } finally {
    await handle.close();
  }
}
