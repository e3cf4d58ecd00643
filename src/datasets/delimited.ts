import { extname, resolve } from 'node:path';
import { datasetFromSamples } from './dataset-result.js';
import { readDelimitedTable, requireColumns } from './delimited-table.js';
import { DatasetError } from './errors.js';
import { checkFieldSize } from './field-limit.js';
import { parseJsonLine, readJsonLines } from './json-document.js';
import { parseNumericCell } from './numeric-cell.js';
import type { LoadedDataset, Sample } from './sample.js';

/** Which columns of a generic table (or keys of a JSON lines object) make a sample. */
export interface DelimitedColumns {
  textColumn: string;
  /** null: samples carry no label. */
  labelColumn: string | null;
  metadataColumns: readonly string[];
  /** ',' or '\t' (other separators such as ';' work too); null: from the extension, .tsv tab, .csv comma. */
  delimiter: string | null;
}

type Label = Sample['label'];

/** A table cell as a label: a clean number becomes a number, blank becomes null, anything else a trimmed string. */
function labelFromCell(cell: string | undefined): Label {
  const trimmed = (cell ?? '').trim();
  if (trimmed === '') return null;
  return parseNumericCell(trimmed) ?? trimmed;
}

function delimiterFor(path: string, configured: string | null): string {
  if (configured === '') {
    throw new DatasetError('missing_setting', 'the delimiter setting is empty: use "," or "\\t"', {
      file: path,
      field: 'delimiter',
    });
  }
  if (configured !== null) return configured;
  const extension = extname(path).toLowerCase();
  if (extension === '.tsv') return '\t';
  if (extension === '.csv') return ',';
  throw new DatasetError(
    'unsupported_format',
    `cannot tell how the columns of a "${extension}" file are separated: set the dataset's delimiter ("," or "\\t")`,
    { file: path },
  );
}

async function loadTable(path: string, name: string, columns: DelimitedColumns): Promise<LoadedDataset> {
  const labelColumns = columns.labelColumn === null ? [] : [columns.labelColumn];
  const samples: Sample[] = [];
  await readDelimitedTable(path, delimiterFor(path, columns.delimiter), {
    header: (found) => requireColumns(found, [columns.textColumn, ...labelColumns, ...columns.metadataColumns], path),
    row: (row) => {
      const text = row[columns.textColumn] ?? '';
      if (text.trim() === '') return;
      samples.push({
        idx: samples.length,
        text,
        label: columns.labelColumn === null ? null : labelFromCell(row[columns.labelColumn]),
        metadata: Object.fromEntries(columns.metadataColumns.map((column) => [column, row[column] ?? null])),
      });
    },
  });
  return datasetFromSamples(name, path, samples, `every row has a blank "${columns.textColumn}"`);
}

/** A JSON value as a label: JSON numbers, booleans and text keep their type; absent, null or blank is null. */
function labelFromJson(value: unknown, where: { file: string; line: number; field: string }): Label {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  throw new DatasetError('invalid_item', 'the label should be a number, true/false or text', where);
}

/** One JSON lines record as a sample; null when its text is blank. */
function sampleFromJsonLine(
  record: Record<string, unknown>,
  columns: DelimitedColumns,
  where: { file: string; line: number },
): Omit<Sample, 'idx'> | null {
  const text = record[columns.textColumn];
  if (typeof text !== 'string') {
    const problem = text === undefined ? 'is missing' : 'should be text';
    throw new DatasetError('invalid_item', `the text field ${problem}`, { ...where, field: columns.textColumn });
  }
  if (text.trim() === '') return null;
  checkFieldSize(text, { ...where, field: columns.textColumn });
  const label =
    columns.labelColumn === null
      ? null
      : labelFromJson(record[columns.labelColumn], { ...where, field: columns.labelColumn });
  const metadata = Object.fromEntries(columns.metadataColumns.map((column) => [column, record[column] ?? null]));
  return { text, label, metadata };
}

async function loadJsonLines(path: string, name: string, columns: DelimitedColumns): Promise<LoadedDataset> {
  const samples: Sample[] = [];
  await readJsonLines(path, (content, line) => {
    const where = { file: path, line };
    const record = parseJsonLine(content, path, line);
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new DatasetError('malformed_json', 'each line must be one JSON object ({...})', where);
    }
    const sample = sampleFromJsonLine(record as Record<string, unknown>, columns, where);
    if (sample !== null) samples.push({ idx: samples.length, ...sample });
  });
  return datasetFromSamples(name, path, samples, `every line has a blank "${columns.textColumn}"`);
}

/**
 * Load a generic dataset: a TSV/CSV table with a header row, or JSON lines (.jsonl, one object per line).
 * Rows with blank text are skipped; idx counts the samples kept.
 */
export async function loadDelimited(file: string, name: string, columns: DelimitedColumns): Promise<LoadedDataset> {
  const path = resolve(file);
  return extname(path).toLowerCase() === '.jsonl' ? loadJsonLines(path, name, columns) : loadTable(path, name, columns);
}
