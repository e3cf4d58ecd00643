import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FIELD_BYTES } from '../../src/datasets/field-limit.js';
import { loadRadiology } from '../../src/datasets/radiology.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

/** Matches a thrown DatasetError with these fields. */
const datasetError = (fields: Record<string, unknown>): unknown =>
  expect.objectContaining({ name: 'DatasetError', ...fields });

describe('loadRadiology (JSON)', () => {
  it('reads report text, the fracture flag, and metadata plus id', async () => {
    const dataset = await loadRadiology(fixture('radiology-basic.json'), 'radiology');
    expect(dataset.path).toBe(fixture('radiology-basic.json'));
    expect(dataset.samples).toEqual([
      {
        idx: 0,
        text: 'XR LEFT HUMERUS\n\nFracture through a simple bone cyst.',
        label: true,
        metadata: { modality: 'XR', age_years: 9, id: 'case_a' },
      },
      { idx: 1, text: 'XR RIGHT WRIST\n\nBuckle fracture of the distal radius.', label: false, metadata: {} },
      {
        idx: 2,
        text: 'MRI SPINE\n\nCompression fractures with marrow infiltration.',
        label: true,
        metadata: { modality: 'MRI', id: 7 },
      },
    ]);
  });

  it('names the line where the JSON parser stopped', async () => {
    // The comma missing at the end of line 7 is noticed at the next property, on line 8.
    const file = fixture('radiology-malformed.json');
    await expect(loadRadiology(file, 'r')).rejects.toThrow(
      datasetError({
        code: 'malformed_json',
        line: 8,
        message: `${file}, line 8: not valid JSON (Expected ',' or '}' after property value in JSON)`,
      }),
    );
  });

  it('names the item and field of a report over the size limit', async () => {
    const temp = makeTempDir('radiology-huge');
    afterAll(() => temp.remove());
    const file = temp.path('huge.json');
    const item = (report: string) => ({ input: { report }, output: { pathological_fracture: false } });
    writeFileSync(file, JSON.stringify([item('short'), item('z'.repeat(MAX_FIELD_BYTES + 1))]));
    await expect(loadRadiology(file, 'r')).rejects.toThrow(
      datasetError({ code: 'field_too_large', item: 1, field: 'input.report', message: expect.stringContaining('1.0 MiB of text') }),
    );
  });

  it('names the item and field of a report without text', async () => {
    const file = fixture('radiology-missing-report.json');
    await expect(loadRadiology(file, 'r')).rejects.toThrow(
      datasetError({
        code: 'invalid_item',
        item: 1,
        field: 'input.report',
        message: `${file}, item 1, field "input.report": this field is missing`,
      }),
    );
  });

  it('names the field of a label that is not true/false', async () => {
    const file = fixture('radiology-bad-label.json');
    await expect(loadRadiology(file, 'r')).rejects.toThrow(
      datasetError({
        message: `${file}, item 0, field "output.pathological_fracture": this field should be true or false`,
      }),
    );
  });

  it('refuses a JSON document that is not an array, an empty array, and a blank file', async () => {
    await expect(loadRadiology(fixture('radiology-not-array.json'), 'r')).rejects.toThrow(
      datasetError({ code: 'invalid_item', message: expect.stringMatching(/expected a JSON array of report items/) }),
    );
    await expect(loadRadiology(fixture('radiology-empty-array.json'), 'r')).rejects.toThrow(
      datasetError({
        code: 'no_samples',
        message: expect.stringMatching(/no usable samples: the JSON array is empty$/),
      }),
    );
    await expect(loadRadiology(fixture('whitespace-only.json'), 'r')).rejects.toThrow(datasetError({ code: 'empty_file' }));
  });
});

describe('loadRadiology (CSV)', () => {
  it('reads Synthetic as text and Flag as a string label with no metadata', async () => {
    const dataset = await loadRadiology(fixture('radiology-basic.csv'), 'radiology');
    expect(dataset.samples).toEqual([
      { idx: 0, text: 'XR FEMUR\n\nFracture through a non-ossifying fibroma, "large".', label: 'Yes', metadata: {} },
      { idx: 1, text: 'XR ANKLE: Tillaux fracture.', label: 'No', metadata: {} },
    ]);
  });

  it('names the missing columns and the columns found', async () => {
    const file = fixture('radiology-missing-columns.csv');
    await expect(loadRadiology(file, 'r')).rejects.toThrow(
      datasetError({
        code: 'missing_columns',
        message: `${file}, line 1: missing columns "Synthetic", "Flag"; the header has "Report", "Label"`,
      }),
    );
  });
});
