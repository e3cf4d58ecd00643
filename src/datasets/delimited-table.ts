import { CsvError, parse } from 'csv-parse/sync';
import { DatasetError } from './errors.js';

/** A parsed TSV/CSV file: the header row and each data row keyed by column name (absent cells are undefined). */
export interface DelimitedTable {
  columns: string[];
  rows: Partial<Record<string, string>>[];
}

/**
 * Parse delimited text with csv-parse, leniently like Python's csv module (stray quotes inside unquoted fields kept,
 * short rows allowed, blank lines skipped), but an unterminated quoted field is an error naming the line it opens on.
 * With these options that is the only way csv-parse can fail on file content.
 */
export function parseDelimitedTable(text: string, file: string, delimiter: string): DelimitedTable {
  let lastRecord = { endLine: 0, emptyLines: 0 };
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (record: string[], context) => {
        lastRecord = { endLine: context.lines, emptyLines: context.empty_lines };
        return record;
      },
    });
  } catch (error) {
    if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
      // The broken record starts after the last complete one and any blank lines skipped since.
      const openLine = lastRecord.endLine + 1 + (Number(error['empty_lines'] ?? 0) - lastRecord.emptyLines);
      throw new DatasetError(
        'unterminated_quote',
        'a quoted field opened in this row is never closed (a " is missing), so the rest of the file cannot be read',
        { file, line: openLine },
      );
    }
    throw error;
  }
  const [header, ...dataRows] = records;
  if (header === undefined) throw new DatasetError('empty_file', 'the dataset file is empty', { file });
  const rows = dataRows.map((cells) => {
    const row: Partial<Record<string, string>> = {};
    header.forEach((column, position) => {
      // As Python's csv.DictReader: cells past a short row's end are absent, extra cells are dropped.
      const cell = cells[position];
      if (cell !== undefined) row[column] = cell;
    });
    return row;
  });
  return { columns: header, rows };
}

/** Throw a DatasetError listing every required column the header lacks, and the columns it does have. */
export function requireColumns(table: DelimitedTable, required: readonly string[], file: string): void {
  const missing = required.filter((column) => !table.columns.includes(column));
  if (missing.length === 0) return;
  const list = (names: readonly string[]): string => names.map((name) => `"${name}"`).join(', ');
  throw new DatasetError(
    'missing_columns',
    `missing column${missing.length > 1 ? 's' : ''} ${list(missing)}; the header has ${list(table.columns)}`,
    { file, line: 1 },
  );
}
