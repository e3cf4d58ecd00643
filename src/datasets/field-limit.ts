import { DatasetError, type DatasetErrorLocation } from './errors.js';

/**
 * The most text one field of a dataset file may hold: 1 MiB of UTF-8, some 250,000 tokens, more than the context of
 * the models this workbench runs. A bigger field is almost always a broken file (a quote left open swallowing the
 * rest of it); refusing it at load keeps tokenization and memory bounded.
 */
export const MAX_FIELD_BYTES = 1024 * 1024;

/**
 * A TSV/CSV row or JSON line may not grow past this while it is read, so a runaway quoted field costs at most this
 * much memory before it is refused.
 */
export const MAX_ROW_BYTES = 4 * MAX_FIELD_BYTES;

export function mebibytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MiB`;
}

/** A row or line refused for its size: `problem` says how big it is, the rest is the rule. */
export function rowTooLarge(where: DatasetErrorLocation, problem: string): DatasetError {
  return new DatasetError(
    'field_too_large',
    `${problem}; a field may hold at most ${mebibytes(MAX_FIELD_BYTES)} of text (is a quote left open?)`,
    where,
  );
}

/** Refuses a field over MAX_FIELD_BYTES with a DatasetError naming where it is. */
export function checkFieldSize(text: string, where: DatasetErrorLocation): void {
  // A string of n UTF-16 units is at most 3n UTF-8 bytes, so most fields need no count.
  if (text.length * 3 <= MAX_FIELD_BYTES) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_FIELD_BYTES) return;
  throw rowTooLarge(where, `the field holds ${mebibytes(bytes)} of text`);
}
