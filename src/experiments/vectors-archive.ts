import path from 'node:path';
import { VECTORS_INDEX_FILE } from '../report/npy.js';
import { writeTar } from '../report/tar.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail } from '../store/types.js';
import { DIRECTIONS_INDEX_FILE, exportExperimentVectors } from './stored-vectors-export.js';

/** The name of an experiment's vectors archive; the only archive names the workbench hands out. */
export function vectorsArchiveName(experimentId: number): string {
  return `experiment-${experimentId}-vectors.tar`;
}

/**
 * `export --format npy` of a stored experiment, written into `folder` and packed with its JSON indexes into one
 * uncompressed tar (`experiment-N-vectors.tar`, the files under `experiment-N-vectors/`), so a browser can
 * download it as one file. Returns the archive's path and size.
 */
export async function writeVectorsArchive(store: HistoryReader, experiment: ExperimentDetail, folder: string): Promise<{ file: string; bytes: number }> {
  const stem = `experiment-${experiment.id}-vectors`;
  const dir = path.join(folder, stem);
  const written = await exportExperimentVectors(store, experiment, dir);
  // Only the files this export wrote, indexes first, so stale files in the folder never travel along.
  const names = [
    ...(written.samples === null ? [] : [VECTORS_INDEX_FILE, ...written.samples.files.map((entry) => entry.file)]),
    DIRECTIONS_INDEX_FILE,
    ...written.directions.files.map((entry) => entry.file),
  ];
  const file = path.join(folder, vectorsArchiveName(experiment.id));
  const bytes = await writeTar(
    file,
    names.map((name) => ({ name: `${stem}/${name}`, file: path.join(dir, name) })),
  );
  return { file, bytes };
}
