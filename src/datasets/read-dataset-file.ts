import { readFileSync, statSync } from 'node:fs';
import { DatasetError } from './errors.js';

/** Node's error code (ENOENT, EACCES, ...) of a failed file system call, or 'unknown'. */
function errorCode(error: unknown): string {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code ?? 'unknown';
}

function fileSystemError(error: unknown, file: string): DatasetError {
  if (error instanceof DatasetError) return error;
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new DatasetError('file_not_found', 'dataset file not found (check the path in the dataset settings)', { file });
  }
  return new DatasetError('unreadable', `the file cannot be read (${code})`, { file });
}

/** A DatasetError when the path is missing or not a file: checked before a run starts, without reading the file. */
export function requireDatasetFile(file: string): void {
  try {
    if (!statSync(file).isFile()) throw new DatasetError('not_a_file', 'this path is a folder or device, not a dataset file', { file });
  } catch (error) {
    throw fileSystemError(error, file);
  }
}

/**
 * The text of a dataset file (UTF-8, byte-order mark removed), or a DatasetError when it is missing, not a file,
 * cannot be read, or holds nothing but whitespace.
 */
export function readDatasetText(file: string): string {
  requireDatasetFile(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw fileSystemError(error, file);
  }
  if (text.trim() === '') throw new DatasetError('empty_file', 'the dataset file is empty', { file });
  return text.replace(/^\uFEFF/, '');
}
