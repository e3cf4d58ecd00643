import { open } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { readDelimitedTable, type DelimitedRow } from './delimited-table.js';
import { DatasetError } from './errors.js';
import { parseJsonDocument, parseJsonLine } from './json-document.js';
import { checkDatasetFile, fileReadError, readDatasetText } from './read-dataset-file.js';
import type { DatasetSpec } from './spec.js';

/** The column separators a table may use; other separators are set in a dataset config. */
export type TableDelimiter = ',' | '\t';

/** What a file's content says about how to load it, and why. */
export interface FormatDetection {
  format: DatasetSpec['format'];
  /** One sentence naming what in the file gave the format away. */
  reason: string;
  /** The column names (table header or JSON lines keys); empty for the fixed formats. */
  columns: string[];
  /** For `delimited` tables; null for JSON lines and the fixed formats. */
  delimiter: TableDelimiter | null;
  /** For `delimited`: the columns guessed to hold the text and the label (null when nothing fits). */
  textColumn: string | null;
  labelColumn: string | null;
}

const HARE_COLUMNS = ['ground_truth', '0', '1', '2', '3', 'Scoring 0', 'Scoring 1', 'Scoring 2', 'Scoring 3'];
const RADIOLOGY_CSV_COLUMNS = ['Synthetic', 'Flag'];
/** Column names that usually hold the text or the label, compared case-insensitively. */
const TEXT_NAMES = ['text', 'report', 'note', 'notes', 'finding', 'findings', 'content', 'body', 'input', 'sentence', 'document'];
const LABEL_NAMES = ['label', 'labels', 'class', 'target', 'y', 'score', 'flag', 'outcome', 'diagnosis', 'category'];
/** Rows looked at when guessing which column holds the text. */
const GUESS_ROWS = 200;
/** The start of the file that tells JSON from a table and holds the lines of JSON lines looked at. */
const HEAD_BYTES = 1 << 20;

/** The first HEAD_BYTES of a file as text (byte-order mark removed), and whether that is the whole file. */
async function readHead(file: string): Promise<{ text: string; whole: boolean }> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      const whole = bytesRead < HEAD_BYTES || (await handle.stat()).size === bytesRead;
      return { text: buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, ''), whole };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileReadError(error, file) ?? error;
  }
}

function namedColumn(columns: readonly string[], names: readonly string[]): string | null {
  return columns.find((column) => names.includes(column.trim().toLowerCase())) ?? null;
}

/** The column whose text cells are longest on average (free text), or null when no column holds text. */
function longestTextColumn(columns: readonly string[], rows: readonly Record<string, unknown>[], exclude: string | null): string | null {
  let best: { column: string; length: number } | null = null;
  for (const column of columns) {
    if (column === exclude) continue;
    const cells = rows.slice(0, GUESS_ROWS).map((row) => row[column]);
    if (!cells.every((cell) => cell === undefined || cell === null || typeof cell === 'string')) continue;
    const lengths = cells.map((cell) => (typeof cell === 'string' ? cell.trim().length : 0));
    const mean = lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, lengths.length);
    if (mean > 0 && (best === null || mean > best.length)) best = { column, length: mean };
  }
  return best?.column ?? null;
}

/** Guessed text and label columns, and the words that say how they were picked. */
function guessColumns(columns: readonly string[], rows: readonly Record<string, unknown>[]): { textColumn: string | null; labelColumn: string | null; said: string } {
  const labelColumn = namedColumn(columns, LABEL_NAMES);
  const named = namedColumn(columns, TEXT_NAMES);
  const textColumn = named ?? longestTextColumn(columns, rows, labelColumn);
  const parts = [
    textColumn === null ? 'no column looks like free text, choose the text column' : `text from "${textColumn}"${named === null ? ' (its cells are the longest)' : ''}`,
    labelColumn === null ? 'no label column recognised' : `label from "${labelColumn}"`,
  ];
  return { textColumn, labelColumn, said: parts.join('; ') };
}

/** The separator of a table: the extension's when its header uses it, else whichever of tab and comma the header has more of. */
function tableDelimiter(text: string, extension: string): TableDelimiter {
  const end = text.search(/\r?\n/);
  const header = end < 0 ? text : text.slice(0, end);
  const tabs = header.split('\t').length - 1;
  const commas = header.split(',').length - 1;
  if (extension === '.tsv' && tabs > 0) return '\t';
  if (extension === '.csv' && commas > 0) return ',';
  return tabs >= commas ? '\t' : ',';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function looksLikeRadiologyItem(item: unknown): boolean {
  return isRecord(item) && isRecord(item['input']) && typeof item['input']['report'] === 'string' && isRecord(item['output']) && 'pathological_fracture' in item['output'];
}

function detectJsonDocument(text: string, file: string): FormatDetection {
  const document = parseJsonDocument(text, file);
  if (Array.isArray(document) && (document.length === 0 || looksLikeRadiologyItem(document[0]))) {
    return {
      format: 'radiology',
      reason: 'CoTLab radiology JSON: an array of {input: {report}, output: {pathological_fracture}} items',
      columns: [],
      delimiter: null,
      textColumn: null,
      labelColumn: null,
    };
  }
  throw new DatasetError(
    'unsupported_format',
    'this JSON file is not the radiology layout (an array of {"input": {"report": ...}, "output": {"pathological_fracture": ...}}); save other records as JSON lines (.jsonl), one object per line',
    { file },
  );
}

/** Reads the first GUESS_ROWS objects of the head; a line the head cuts short is left for loading to check. */
function detectJsonLines(head: { text: string; whole: boolean }, file: string): FormatDetection {
  const records: Record<string, unknown>[] = [];
  const lines = head.text.split(/\r?\n/);
  if (!head.whole) lines.pop();
  for (let index = 0; index < lines.length && records.length < GUESS_ROWS; index++) {
    const content = lines[index] as string;
    if (content.trim() === '') continue;
    const record = parseJsonLine(content, file, index + 1);
    if (!isRecord(record)) throw new DatasetError('malformed_json', 'each line must be one JSON object ({...})', { file, line: index + 1 });
    records.push(record);
  }
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
  const guess = guessColumns(columns, records);
  return {
    format: 'delimited',
    reason: `JSON lines: one object per line with keys ${columns.map((column) => `"${column}"`).join(', ')}; ${guess.said}`,
    columns,
    delimiter: null,
    textColumn: guess.textColumn,
    labelColumn: guess.labelColumn,
  };
}

/** Streams the whole table (so a broken row is found now, with its line), keeping only the first rows. */
async function detectTable(head: string, file: string, extension: string): Promise<FormatDetection> {
  const delimiter = tableDelimiter(head, extension);
  const rows: DelimitedRow[] = [];
  const columns = await readDelimitedTable(file, delimiter, {
    row: (row) => {
      if (rows.length < GUESS_ROWS) rows.push(row);
    },
  });
  const table = { columns, rows };
  const has = (required: readonly string[]) => required.every((column) => table.columns.includes(column));
  const fixed = { columns: [], delimiter: null, textColumn: null, labelColumn: null };
  if (delimiter === '\t' && has(HARE_COLUMNS)) {
    return { format: 'hare_tsv', reason: 'HARE annotation table: the header has ground_truth, 0..3 and Scoring 0..3', ...fixed };
  }
  // The radiology loader reads a CSV only under a .csv name (anything else it reads as JSON).
  if (delimiter === ',' && extension === '.csv' && has(RADIOLOGY_CSV_COLUMNS)) {
    return { format: 'radiology', reason: 'CoTLab radiology CSV: the header has Synthetic (text) and Flag (label)', ...fixed };
  }
  const guess = guessColumns(table.columns, table.rows);
  const kind = delimiter === '\t' ? 'tab-separated' : 'comma-separated';
  return {
    format: 'delimited',
    reason: `${kind} table with the columns ${table.columns.map((column) => `"${column}"`).join(', ')}; ${guess.said}`,
    columns: table.columns,
    delimiter,
    textColumn: guess.textColumn,
    labelColumn: guess.labelColumn,
  };
}

/**
 * How to load a dataset file, told from its content (the extension only breaks ties): the HARE annotation TSV by
 * its header, CoTLab's radiology JSON by its items (or its CSV by the Synthetic/Flag header), JSON lines by one
 * object per line, and any other TSV/CSV as a generic table with guessed text and label columns.
 */
export async function detectDatasetFormat(file: string): Promise<FormatDetection> {
  const path = resolve(file);
  checkDatasetFile(path);
  const head = await readHead(path);
  const extension = extname(path).toLowerCase();
  const start = head.text.trimStart();
  if (start === '') throw new DatasetError('empty_file', 'the dataset file is empty', { file: path });
  if (extension === '.jsonl') return detectJsonLines(head, path);
  // A JSON document is parsed whole, as its loader parses it.
  if (extension === '.json' || start.startsWith('[')) return detectJsonDocument(readDatasetText(path), path);
  if (start.startsWith('{')) return detectJsonLines(head, path);
  return detectTable(head.text, path, extension);
}
