import { extname } from 'node:path';
import { readDelimitedTable } from '../datasets/delimited-table.js';
import { DatasetError } from '../datasets/errors.js';
import { readDatasetText } from '../datasets/read-dataset-file.js';

/**
 * The column names a researcher can map in a generic file: the header of a TSV/CSV, or the keys of the first JSON
 * lines record. Read before any mapping exists, so the UI can offer them.
 */
export async function datasetColumns(file: string, delimiter: string | null): Promise<string[]> {
  const extension = extname(file).toLowerCase();
  if (extension === '.jsonl') {
    const first = readDatasetText(file).split(/\r?\n/).find((line) => line.trim() !== '');
    if (first === undefined) return [];
    try {
      const record: unknown = JSON.parse(first);
      return record !== null && typeof record === 'object' && !Array.isArray(record) ? Object.keys(record) : [];
    } catch (error) {
      throw new DatasetError('malformed_json', `the first line is not valid JSON (${(error as Error).message})`, { file, line: 1 });
    }
  }
  const separator = delimiter ?? (extension === '.csv' ? ',' : '\t');
  // The whole file is read, so a malformed file is reported when it is opened, before any column is mapped.
  return readDelimitedTable(file, separator, {});
}
