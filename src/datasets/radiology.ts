import { extname, resolve } from 'node:path';
import { z } from 'zod';
import { datasetFromSamples } from './dataset-result.js';
import { readDelimitedTable, requireColumns } from './delimited-table.js';
import { DatasetError } from './errors.js';
import { checkFieldSize } from './field-limit.js';
import { parseJsonDocument } from './json-document.js';
import { readDatasetText } from './read-dataset-file.js';
import type { LoadedDataset, Sample } from './sample.js';

/** One report of CoTLab's radiology JSON: the report text and whether it describes a pathological fracture. */
const RadiologyItemSchema = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  input: z.object({ report: z.string() }),
  output: z.object({ pathological_fracture: z.boolean() }),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const CSV_TEXT_COLUMN = 'Synthetic';
const CSV_LABEL_COLUMN = 'Flag';

/** The value at a zod issue path inside an item, undefined when the path does not exist. */
function valueAt(item: unknown, path: readonly PropertyKey[]): unknown {
  let value = item;
  for (const key of path) {
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return value;
}

/** "this field is missing" or "this field should be true or false" for the first problem zod found in an item. */
function describeIssue(issue: z.core.$ZodIssue, item: unknown): string {
  const subject = issue.path.length === 0 ? 'the item' : 'this field';
  if (valueAt(item, issue.path) === undefined) return `${subject} is missing`;
  if (issue.code !== 'invalid_type') return `${subject} is not valid (${issue.message})`;
  const wording: Partial<Record<string, string>> = { boolean: 'true or false', string: 'text', object: 'an object' };
  return `${subject} should be ${wording[issue.expected] ?? issue.expected}`;
}

function loadRadiologyJson(path: string, name: string): LoadedDataset {
  const document = parseJsonDocument(readDatasetText(path), path);
  if (!Array.isArray(document)) {
    const expected = 'expected a JSON array of report items ([{"input": {"report": ...}}, ...])';
    throw new DatasetError('invalid_item', expected, { file: path });
  }
  const samples = document.map((item: unknown, index): Sample => {
    const parsed = RadiologyItemSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') ?? '';
      const problem = issue === undefined ? 'the item is not valid' : describeIssue(issue, item);
      throw new DatasetError('invalid_item', problem, {
        file: path,
        item: index,
        ...(field !== '' ? { field } : {}),
      });
    }
    const { id, input, output, metadata } = parsed.data;
    checkFieldSize(input.report, { file: path, item: index, field: 'input.report' });
    return {
      idx: index,
      text: input.report,
      label: output.pathological_fracture,
      metadata: { ...(metadata ?? {}), ...(id !== undefined ? { id } : {}) },
    };
  });
  return datasetFromSamples(name, path, samples, 'the JSON array is empty');
}

async function loadRadiologyCsv(path: string, name: string): Promise<LoadedDataset> {
  // Rows are kept as they are (CoTLab does the same), so sample indices line up with a CoTLab run on the file.
  const samples: Sample[] = [];
  await readDelimitedTable(path, ',', {
    header: (columns) => requireColumns(columns, [CSV_TEXT_COLUMN, CSV_LABEL_COLUMN], path),
    row: (row) => {
      samples.push({ idx: samples.length, text: row[CSV_TEXT_COLUMN] ?? '', label: row[CSV_LABEL_COLUMN] ?? '', metadata: {} });
    },
  });
  return datasetFromSamples(name, path, samples, 'the file has a header but no rows');
}

/**
 * Load CoTLab's radiology dataset: a JSON array of `{id?, input: {report}, output: {pathological_fracture}, metadata?}`
 * (label = the boolean), or a `.csv` with columns Synthetic (text) and Flag (label, kept as a string).
 */
export async function loadRadiology(file: string, name: string): Promise<LoadedDataset> {
  const path = resolve(file);
  return extname(path).toLowerCase() === '.csv' ? loadRadiologyCsv(path, name) : loadRadiologyJson(path, name);
}
