import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRadiology } from '../../src/datasets/radiology.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

/** Matches a thrown DatasetError with these fields. */
const datasetError = (fields: Record<string, unknown>): unknown =>
  expect.objectContaining({ name: 'DatasetError', ...fields });

describe('loadRadiology (JSON)', () => {
  it('reads report text, the fracture flag, and metadata plus id', () => {
    const dataset = loadRadiology(fixture('radiology-basic.json'), 'radiology');
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

  it('names the line where the JSON parser stopped', () => {
    // The comma missing at the end of line 7 is noticed at the next property, on line 8.
    const file = fixture('radiology-malformed.json');
    expect(() => loadRadiology(file, 'r')).toThrow(
      datasetError({
        code: 'malformed_json',
        line: 8,
        message: `${file}, line 8: not valid JSON (Expected ',' or '}' after property value in JSON)`,
      }),
    );
  });

  it('names the item and field of a report without text', () => {
    const file = fixture('radiology-missing-report.json');
    expect(() => loadRadiology(file, 'r')).toThrow(
      datasetError({
        code: 'invalid_item',
        item: 1,
        field: 'input.report',
        message: `${file}, item 1, field "input.report": this field is missing`,
      }),
    );
  });

  it('names the field of a label that is not true/false', () => {
    const file = fixture('radiology-bad-label.json');
    expect(() => loadRadiology(file, 'r')).toThrow(
      datasetError({
        message: `${file}, item 0, field "output.pathological_fracture": this field should be true or false`,
      }),
    );
  });

  it('refuses a JSON document that is not an array, an empty array, and a blank file', () => {
    expect(() => loadRadiology(fixture('radiology-not-array.json'), 'r')).toThrow(
      datasetError({ code: 'invalid_item', message: expect.stringMatching(/expected a JSON array of report items/) }),
    );
    expect(() => loadRadiology(fixture('radiology-empty-array.json'), 'r')).toThrow(
      datasetError({
        code: 'no_samples',
        message: expect.stringMatching(/no usable samples: the JSON array is empty$/),
      }),
    );
    expect(() => loadRadiology(fixture('whitespace-only.json'), 'r')).toThrow(datasetError({ code: 'empty_file' }));
  });
});

describe('loadRadiology (CSV)', () => {
  it('reads Synthetic as text and Flag as a string label with no metadata', () => {
    const dataset = loadRadiology(fixture('radiology-basic.csv'), 'radiology');
    expect(dataset.samples).toEqual([
      { idx: 0, text: 'XR FEMUR\n\nFracture through a non-ossifying fibroma, "large".', label: 'Yes', metadata: {} },
      { idx: 1, text: 'XR ANKLE: Tillaux fracture.', label: 'No', metadata: {} },
    ]);
  });

  it('names the missing columns and the columns found', () => {
    const file = fixture('radiology-missing-columns.csv');
    expect(() => loadRadiology(file, 'r')).toThrow(
      datasetError({
        code: 'missing_columns',
        message: `${file}, line 1: missing columns "Synthetic", "Flag"; the header has "Report", "Label"`,
      }),
    );
  });
});
