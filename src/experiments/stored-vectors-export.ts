import {
  createExportFolder,
  encodeNpyMatrix,
  fileSafeName,
  writeExportFile,
  writeVectorsExport,
  type VectorsExportIndex,
} from '../report/npy.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { ExperimentDetail, RunRecord } from '../store/types.js';
import { HistoryExportError } from './history-errors.js';
import { requireCompletedWorkbench, storedAnalysedRun, storedComparisons, storedVectorLayers } from './report-from-store.js';
import type { Comparison } from '../results/types.js';

export const DIRECTIONS_INDEX_FILE = 'directions.json';

export interface DirectionsEntry {
  file: string;
  run_a: string;
  run_b: string;
  /** Row k of the matrix is the direction at layers[k]. */
  layers: number[];
  /** [layers, hidden size]. */
  shape: [number, number];
  dtype: 'float32';
}

export interface DirectionsIndex {
  format: 'npy-1.0';
  description: string;
  files: DirectionsEntry[];
}

export interface StoredVectorsExport {
  /** null when the experiment kept no per-sample vectors (only the directions were written). */
  samples: VectorsExportIndex | null;
  directions: DirectionsIndex;
}

/** meanB − meanA per layer from the stored run means: the usual steering vector from run A towards run B. */
function directionRows(store: HistoryReader, a: RunRecord, b: RunRecord): { layers: number[]; rows: Float32Array[] } | null {
  const meansA = new Map(store.getRunMeans(a.id).map((mean) => [mean.layer, mean.mean]));
  const meansB = new Map(store.getRunMeans(b.id).map((mean) => [mean.layer, mean.mean]));
  const layers = a.layerIndices.filter((layer) => meansA.get(layer) && meansB.get(layer));
  if (layers.length === 0) return null;
  const rows = layers.map((layer) => {
    const meanA = meansA.get(layer) as Float32Array;
    const meanB = meansB.get(layer) as Float32Array;
    return Float32Array.from(meanB, (value, i) => value - (meanA[i] as number));
  });
  return { layers, rows };
}

async function writeDirections(
  store: HistoryReader,
  experiment: ExperimentDetail,
  comparisons: readonly Comparison[],
  dir: string,
): Promise<DirectionsIndex> {
  const byName = new Map(experiment.runs.map((run) => [run.name, run]));
  const files: DirectionsEntry[] = [];
  for (const [position, comparison] of comparisons.entries()) {
    const a = byName.get(comparison.run_a) as RunRecord;
    const b = byName.get(comparison.run_b) as RunRecord;
    const direction = directionRows(store, a, b);
    if (direction === null) continue;
    const file = `direction_${position}_${fileSafeName(a.name)}_to_${fileSafeName(b.name)}.npy`;
    const columns = direction.rows[0]?.length ?? 0;
    await writeExportFile(dir, file, encodeNpyMatrix(direction.rows, columns));
    files.push({ file, run_a: a.name, run_b: b.name, layers: direction.layers, shape: [direction.rows.length, columns], dtype: 'float32' });
  }
  const index: DirectionsIndex = {
    format: 'npy-1.0',
    description:
      'Diff-in-means directions: one [layers, hidden] float32 matrix per compared pair; row k is mean(run_b) − mean(run_a) at layers[k].',
    files,
  };
  await writeExportFile(dir, DIRECTIONS_INDEX_FILE, `${JSON.stringify(index, null, 2)}\n`);
  return index;
}

/**
 * Writes a completed experiment's per-sample vectors (the layers it kept; one .npy per run and layer, with
 * index.json) and each compared pair's diff-in-means directions (with directions.json) into `dir`.
 */
export async function exportStoredVectors(
  store: HistoryReader,
  experiment: ExperimentDetail,
  comparisons: readonly Comparison[],
  dir: string,
): Promise<StoredVectorsExport> {
  const layers = storedVectorLayers(experiment);
  const hasMeans = experiment.runs.some((run) => store.getRunMeans(run.id).some((mean) => mean.mean !== null));
  if (layers.length === 0 && !hasMeans) {
    throw new HistoryExportError(experiment.id, 'npy', 'it holds no vectors (an imported CoTLab experiment keeps only norms and metrics)');
  }
  const samples =
    layers.length === 0
      ? null
      : await writeVectorsExport(
          dir,
          experiment.runs.map((run) => {
            const analysed = storedAnalysedRun(store, run, layers);
            return { name: run.name, layers, vectorsByLayer: analysed.vectorsByLayer, sampleIndices: analysed.sampleIndices, labels: analysed.labels };
          }),
        );
  await createExportFolder(dir);
  return { samples, directions: await writeDirections(store, experiment, comparisons, dir) };
}

/**
 * `export --format npy` of a stored experiment: exportStoredVectors over its stored comparisons (a workbench
 * experiment must have completed).
 */
export async function exportExperimentVectors(store: HistoryReader, experiment: ExperimentDetail, dir: string): Promise<StoredVectorsExport> {
  const config = experiment.source === 'workbench' ? requireCompletedWorkbench(experiment, 'npy') : null;
  const comparisons = storedComparisons(store, experiment, (config !== null && 'store_per_layer' in config.experiment ? config.experiment.store_per_layer : true));
  return exportStoredVectors(store, experiment, comparisons, dir);
}
