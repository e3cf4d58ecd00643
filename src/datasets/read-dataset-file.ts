import { readFileSync, statSync } from 'node:fs';
import { DatasetError } from './errors.js';

/** Node's error code (ENOENT, EACCES, ...) of a failed file system call, or 'unknown'. */
function errorCode(error: unknown): string {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code ?? 'unknown';
}

/** A file-system failure to read a dataset file as a DatasetError; null for anything that is not one. */
export function fileReadError(error: unknown, file: string): DatasetError | null {
  if (error instanceof DatasetError) return error;
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new DatasetError('file_not_found', 'dataset file not found (check the path in the dataset settings)', { file });
  }
  if (code === 'unknown') return null;
  return new DatasetError('unreadable', `the file cannot be read (${code})`, { file });
}

/** Refuses, before reading, a dataset path that is missing, not a file, or empty. */
export function checkDatasetFile(file: string): void {
  let size: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new DatasetError('not_a_file', 'this path is a folder or device, not a dataset file', { file });
    size = stats.size;
  } catch (error) {
    throw fileReadError(error, file) ?? error;
  }
  if (size === 0) throw new DatasetError('empty_file', 'the dataset file is empty', { file });
}

/**
 * The text of a dataset file (UTF-8, byte-order mark removed), or a DatasetError when it is missing, not a file,
 * cannot be read, or holds nothing but whitespace. For formats read whole (a JSON document).
 */
export function readDatasetText(file: string): string {
  checkDatasetFile(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fileReadError(error, file) ?? error;
  }
  if (text.trim() === '') throw new DatasetError('empty_file', 'the dataset file is empty', { file });
  return text.replace(/^\uFEFF/, '');
}
