import { createReadStream } from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { DatasetError } from './errors.js';
import { checkFieldSize, MAX_ROW_BYTES, mebibytes, rowTooLarge } from './field-limit.js';
import { checkDatasetFile, fileReadError } from './read-dataset-file.js';

/** One data row keyed by column name (absent cells are undefined). */
export type DelimitedRow = Partial<Record<string, string>>;

/** What a loader does with a table as it streams by: check the header, then take each row. */
export interface DelimitedRowSink {
  /** Called once, before any row; a loader checks its required columns here. */
  header?: (columns: readonly string[]) => void;
  /** `line` is the 1-based line the row starts on. */
  row?: (row: DelimitedRow, line: number) => void;
}

/** A record's cells, with the 1-based line it starts on. */
type ParsedRecord = string[] & { line: number };

/**
 * Streams a TSV/CSV file through csv-parse, so memory holds one row at a time rather than the file, its text and
 * every parsed row. Parsed leniently like Python's csv module (stray quotes inside unquoted fields kept, short rows
 * allowed, blank lines skipped). Refused with a DatasetError naming the file and line: an unterminated quoted field,
 * a header naming a column twice, a field larger than MAX_FIELD_BYTES. Returns the header.
 */
export async function readDelimitedTable(
  file: string,
  delimiter: string,
  sink: DelimitedRowSink,
): Promise<string[]> {
  checkDatasetFile(file);
  let lastRecord = { endLine: 0, emptyLines: 0 };
  const source = createReadStream(file);
  const parser = source.pipe(
    parse({
      delimiter,
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      max_record_size: MAX_ROW_BYTES,
      on_record: (cells, context): ParsedRecord => {
        // A record starts after the last one and the blank lines skipped since.
        const line = lastRecord.endLine + 1 + (context.empty_lines - lastRecord.emptyLines);
        lastRecord = { endLine: context.lines, emptyLines: context.empty_lines };
        return Object.assign(cells, { line });
      },
    }),
  );
  source.on('error', (error) => parser.destroy(error));
  let header: string[] | null = null;
  try {
    for await (const cells of parser as AsyncIterable<ParsedRecord>) {
      const { line } = cells;
      if (header === null) {
        // Whitespace before the header is not a header.
        if (cells.every((cell) => cell.trim() === '')) continue;
        header = checkedHeader(cells, file, line);
        sink.header?.(header);
        continue;
      }
      const row: DelimitedRow = {};
      header.forEach((column, position) => {
        // As Python's csv.DictReader: cells past a short row's end are absent, extra cells are dropped.
        const cell = cells[position];
        if (cell === undefined) return;
        checkFieldSize(cell, { file, line, field: column });
        row[column] = cell;
      });
      sink.row?.(row, line);
    }
  } catch (error) {
    throw datasetErrorOf(error, file, lastRecord, header);
  } finally {
    source.destroy();
  }
  if (header === null) throw new DatasetError('empty_file', 'the dataset file is empty', { file });
  return header;
}

/**
 * The header row as a plain list of names (without the line number the parser attached), refused when it names a
 * column twice (the second would silently hide the first).
 */
function checkedHeader(cells: string[], file: string, line: number): string[] {
  const firstAt = new Map<string, number>();
  cells.forEach((name, position) => {
    const first = firstAt.get(name);
    if (first === undefined) {
      firstAt.set(name, position);
      return;
    }
    const positions = cells.flatMap((other, at) => (other === name ? [at + 1] : []));
    throw new DatasetError(
      'duplicate_columns',
      `columns ${positions.join(' and ')} of the header are both named "${name}"; rename one of them`,
      { file, line },
    );
  });
  return [...cells];
}

/** csv-parse and file-system failures as DatasetErrors naming the line; anything else passes through. */
function datasetErrorOf(
  error: unknown,
  file: string,
  lastRecord: { endLine: number; emptyLines: number },
  header: readonly string[] | null,
): unknown {
  if (error instanceof DatasetError) return error;
  if (error instanceof CsvError) {
    // The broken record starts after the last complete one and any blank lines skipped since.
    const line = lastRecord.endLine + 1 + (Number(error['empty_lines'] ?? 0) - lastRecord.emptyLines);
    if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
      return new DatasetError(
        'unterminated_quote',
        'a quoted field opened in this row is never closed (a " is missing), so the rest of the file cannot be read',
        { file, line },
      );
    }
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      const position = Number(error['column']);
      const column = header?.[position];
      return rowTooLarge({ file, line, ...(column !== undefined ? { field: column } : {}) }, `the row grows past ${mebibytes(MAX_ROW_BYTES)}`);
    }
  }
  return fileReadError(error, file) ?? error;
}

/** Throw a DatasetError listing every required column the header lacks, and the columns it does have. */
export function requireColumns(columns: readonly string[], required: readonly string[], file: string): void {
  const missing = required.filter((column) => !columns.includes(column));
  if (missing.length === 0) return;
  const list = (names: readonly string[]): string => names.map((name) => `"${name}"`).join(', ');
  throw new DatasetError(
    'missing_columns',
    `missing column${missing.length > 1 ? 's' : ''} ${list(missing)}; the header has ${list(columns)}`,
    { file, line: 1 },
  );
}
