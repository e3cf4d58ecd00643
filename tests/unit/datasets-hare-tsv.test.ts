import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadHareTsv } from '../../src/datasets/hare-tsv.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

/** Matches a thrown DatasetError with these fields. */
const datasetError = (fields: Record<string, unknown>): unknown =>
  expect.objectContaining({ name: 'DatasetError', ...fields });

const dataset = await loadHareTsv(fixture('hare-basic.tsv'), 'histopathology');

describe('loadHareTsv', () => {
  it('expands rows into one sample per usable report with a running idx', async () => {
    expect(dataset.name).toBe('histopathology');
    expect(dataset.path).toBe(fixture('hare-basic.tsv'));
    expect(dataset.samples.map((s) => s.idx)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(dataset.samples.map((s) => s.text)).toEqual([
      'Line one of report A.\nSays "grade 2" here.\nER\t95%',
      'Report B',
      'Report C',
      'Report D',
      'Report I',
      'Report J',
    ]);
  });

  it('labels with the integer part of the score and never clamps', async () => {
    // 2.0, 4.0, 3.7 -> 3, "0", then -0.5 -> 0 and "1".
    expect(dataset.samples.map((s) => s.label)).toEqual([2, 4, 3, 0, 0, 1]);
    expect(Object.is(dataset.samples[4]?.label, 0)).toBe(true);
  });

  it('records the case findings, report number and data row', async () => {
    expect(dataset.samples[0]?.metadata).toEqual({
      ground_truth: 'Invasive ductal carcinoma, grade 2, margins clear.',
      model_id: 0,
      row_id: 0,
    });
    // Row 1 gives no sample (blank, whitespace, "n/a" and empty cells) but still counts as a data row.
    expect(dataset.samples[5]?.metadata).toEqual({
      ground_truth: 'Seminoma, confined to testis.',
      model_id: 1,
      row_id: 2,
    });
  });

  it('names the missing columns and the columns found', async () => {
    const file = fixture('hare-missing-columns.tsv');
    await expect(loadHareTsv(file, 'h')).rejects.toThrow(
      datasetError({
        code: 'missing_columns',
        file,
        line: 1,
        message:
          `${file}, line 1: missing columns "3", "Scoring 3"; the header has ` +
          '"ground_truth", "0", "1", "2", "Scoring 0", "Scoring 1", "Scoring 2"',
      }),
    );
  });

  it('names the line where an unterminated quoted field opens', async () => {
    await expect(loadHareTsv(fixture('hare-unterminated-quote.tsv'), 'h')).rejects.toThrow(
      datasetError({
        code: 'unterminated_quote',
        line: 4,
        message: expect.stringMatching(/hare-unterminated-quote\.tsv, line 4: a quoted field .* never closed/),
      }),
    );
  });

  it('refuses a file without a single usable sample', async () => {
    await expect(loadHareTsv(fixture('hare-no-usable-samples.tsv'), 'h')).rejects.toThrow(
      datasetError({
        code: 'no_samples',
        message: expect.stringMatching(/hare-no-usable-samples\.tsv: no usable samples: every report is blank/),
      }),
    );
  });

  it('refuses an empty file and a missing file', async () => {
    const empty = fixture('empty.tsv');
    await expect(loadHareTsv(empty, 'h')).rejects.toThrow(
      datasetError({ code: 'empty_file', message: `${empty}: the dataset file is empty` }),
    );
    const missing = fixture('no-such-file.tsv');
    await expect(loadHareTsv(missing, 'h')).rejects.toThrow(
      datasetError({
        code: 'file_not_found',
        message: `${missing}: dataset file not found (check the path in the dataset settings)`,
      }),
    );
  });
});
