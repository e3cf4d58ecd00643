import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SampleLabel } from '../analytics/label-breakdown.js';

/** A vectors export does not fit together (lengths, counts) or cannot be written. */
export class VectorsExportError extends Error {
  readonly context: { run?: string; layer?: number; file?: string };

  constructor(message: string, context: { run?: string; layer?: number; file?: string } = {}) {
    super(message);
    this.name = 'VectorsExportError';
    this.context = context;
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
// The format spec asks for the data to start on a 64-byte boundary.
const ALIGNMENT = 64;
const PREAMBLE_BYTES = MAGIC.length + 2 + 2; // magic, version 1.0, uint16 header length

/** The .npy v1.0 header (magic, version, length, padded dict) for a C-order little-endian float32 array. */
export function npyHeader(shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = PREAMBLE_BYTES + dict.length + 1; // + the closing newline
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const headerText = `${dict}${' '.repeat(padding)}\n`;
  const header = Buffer.alloc(PREAMBLE_BYTES + headerText.length);
  header.set(MAGIC, 0);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(headerText.length, 8);
  header.write(headerText, PREAMBLE_BYTES, 'latin1');
  return header;
}

/** A complete .npy file holding `rows` as a [rows, columns] float32 matrix (columns needed when there are no rows). */
export function encodeNpyMatrix(rows: readonly Float32Array[], columns = rows[0]?.length ?? 0): Buffer {
  const header = npyHeader([rows.length, columns]);
  const file = Buffer.alloc(header.length + rows.length * columns * 4);
  header.copy(file, 0);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let offset = header.length;
  rows.forEach((row, r) => {
    if (row.length !== columns) {
      throw new VectorsExportError(`Row ${r} of the matrix has ${row.length} values, expected ${columns}.`);
    }
    // Explicit little-endian writes: the file must read the same whatever machine wrote it.
    for (const value of row) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  });
  return file;
}

/** One run's pooled vectors to export. */
export interface VectorsExportRun {
  name: string;
  /** Model layer index of each entry of vectorsByLayer. */
  layers: number[];
  /** vectorsByLayer[k][i]: vector of sample i at layer layers[k]. */
  vectorsByLayer: Float32Array[][];
  /** Dataset index of each sample, in row order. */
  sampleIndices: number[];
  labels: SampleLabel[];
}

export interface VectorsExportEntry {
  /** File name inside the export folder. */
  file: string;
  run: string;
  layer: number;
  /** [samples, hidden size]. */
  shape: [number, number];
  dtype: 'float32';
  /** Dataset index of each row. */
  sample_indices: number[];
  /** Label of each row. */
  labels: SampleLabel[];
}

export interface VectorsExportIndex {
  format: 'npy-1.0';
  description: string;
  files: VectorsExportEntry[];
}

export const VECTORS_INDEX_FILE = 'index.json';

/** Run names are free text; file names keep letters, digits, dot, dash and underscore only. */
export function fileSafeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  return safe === '' ? 'run' : safe;
}

function checkRun(run: VectorsExportRun): void {
  if (run.vectorsByLayer.length !== run.layers.length) {
    throw new VectorsExportError(
      `Run "${run.name}" has vectors for ${run.vectorsByLayer.length} layers but lists ${run.layers.length} layers.`,
      { run: run.name },
    );
  }
  run.vectorsByLayer.forEach((rows, k) => {
    const layer = run.layers[k] as number;
    if (rows.length !== run.sampleIndices.length || rows.length !== run.labels.length) {
      throw new VectorsExportError(
        `Run "${run.name}", layer ${layer}: ${rows.length} vectors but ${run.sampleIndices.length} sample indices and ${run.labels.length} labels.`,
        { run: run.name, layer },
      );
    }
    const columns = rows[0]?.length ?? 0;
    const uneven = rows.findIndex((row) => row.length !== columns);
    if (uneven >= 0) {
      throw new VectorsExportError(
        `Run "${run.name}", layer ${layer}: sample ${uneven} has ${rows[uneven]?.length} values, expected ${columns}.`,
        { run: run.name, layer },
      );
    }
  });
}

/** Writes a file, turning a file-system failure into a VectorsExportError that names the file. */
export async function writeExportFile(dir: string, file: string, contents: string | Buffer): Promise<void> {
  const target = path.join(dir, file);
  try {
    await writeFile(target, contents);
  } catch (error) {
    throw new VectorsExportError(`Could not write ${target}: ${(error as Error).message}`, { file: target });
  }
}

/** Creates the export folder (and its parents) when missing. */
export async function createExportFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new VectorsExportError(`Could not create the export folder ${dir}: ${(error as Error).message}`, { file: dir });
  }
}

/**
 * Writes one [samples, hidden] float32 .npy per run and layer into `dir` (created if missing), plus index.json
 * mapping each file to its run, layer, dataset sample indices and labels. Returns the index.
 */
export async function writeVectorsExport(dir: string, runs: readonly VectorsExportRun[]): Promise<VectorsExportIndex> {
  // Check everything first so a bad run never leaves a half-written export behind.
  runs.forEach(checkRun);
  await createExportFolder(dir);
  const files: VectorsExportEntry[] = [];
  for (const [position, run] of runs.entries()) {
    for (const [k, rows] of run.vectorsByLayer.entries()) {
      const layer = run.layers[k] as number;
      // The run's position keeps names unique even when two run names sanitise to the same text.
      const file = `${position}_${fileSafeName(run.name)}_layer${layer}.npy`;
      const columns = rows[0]?.length ?? 0;
      await writeExportFile(dir, file, encodeNpyMatrix(rows, columns));
      files.push({
        file,
        run: run.name,
        layer,
        shape: [rows.length, columns],
        dtype: 'float32',
        sample_indices: [...run.sampleIndices],
        labels: [...run.labels],
      });
    }
  }
  const index: VectorsExportIndex = {
    format: 'npy-1.0',
    description: 'Pooled activation vectors: one [samples, hidden] float32 matrix per run and layer; row i is sample_indices[i].',
    files,
  };
  await writeExportFile(dir, VECTORS_INDEX_FILE, `${JSON.stringify(index, null, 2)}\n`);
  return index;
}
