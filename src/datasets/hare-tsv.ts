import { resolve } from 'node:path';
import { datasetFromSamples } from './dataset-result.js';
import { readDelimitedTable, requireColumns } from './delimited-table.js';
import { parseNumericCell } from './numeric-cell.js';
import type { LoadedDataset, Sample } from './sample.js';

/** The HARE annotation file scores four generated reports per case. */
const MODEL_COUNT = 4;
const MODEL_NUMBERS = Array.from({ length: MODEL_COUNT }, (_, m) => m);
const HARE_COLUMNS = ['ground_truth', ...MODEL_NUMBERS.map(String), ...MODEL_NUMBERS.map((m) => `Scoring ${m}`)];

/**
 * Load a HARE human-evaluation TSV (CoTLab's HistopathologyDataset). Each row (one case) gives up to four samples,
 * one per generated report `m` (columns "0".."3"): text = the report, label = the integer part of "Scoring m".
 * A report that is blank, or whose score is blank or not a number, is skipped. Labels are kept as the file has them.
 */
export async function loadHareTsv(file: string, name: string): Promise<LoadedDataset> {
  const path = resolve(file);
  const samples: Sample[] = [];
  let rowId = 0;
  await readDelimitedTable(path, '\t', {
    header: (columns) => requireColumns(columns, HARE_COLUMNS, path),
    row: (row) => {
      for (const modelId of MODEL_NUMBERS) {
        const text = row[String(modelId)] ?? '';
        const score = parseNumericCell(row[`Scoring ${modelId}`] ?? '');
        if (text.trim() === '' || score === null) continue;
        samples.push({
          idx: samples.length,
          text,
          // Python's int(float(x)) truncates toward zero; `+ 0` turns a -0 from e.g. "-0.5" into 0.
          label: Math.trunc(score) + 0,
          metadata: { ground_truth: row.ground_truth ?? '', model_id: modelId, row_id: rowId },
        });
      }
      rowId += 1;
    },
  });
  return datasetFromSamples(name, path, samples, 'every report is blank or has no numeric score');
}
