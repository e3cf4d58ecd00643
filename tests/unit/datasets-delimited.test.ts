import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDelimited, type DelimitedColumns } from '../../src/datasets/delimited.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

/** Matches a thrown DatasetError with these fields. */
const datasetError = (fields: Record<string, unknown>): unknown =>
  expect.objectContaining({ name: 'DatasetError', ...fields });

const noteColumns: DelimitedColumns = {
  textColumn: 'note',
  labelColumn: 'label',
  metadataColumns: ['site'],
  delimiter: null,
};

describe('loadDelimited (TSV/CSV)', () => {
  it('reads a TSV by extension, skipping blank text, typing labels', () => {
    const dataset = loadDelimited(fixture('delimited-basic.tsv'), 'notes', noteColumns);
    expect(dataset.samples).toEqual([
      { idx: 0, text: 'Multi-line\nnote', label: 2, metadata: { site: 'breast' } },
      { idx: 1, text: 'Second note', label: 1.5, metadata: { site: 'lung' } },
      { idx: 2, text: 'Third note', label: 'benign', metadata: { site: 'skin' } },
      { idx: 3, text: 'Fourth note', label: null, metadata: { site: 'liver' } },
    ]);
  });

  it('reads a CSV by extension with quoted commas and exponent numbers', () => {
    const dataset = loadDelimited(fixture('delimited-basic.csv'), 'notes', noteColumns);
    expect(dataset.samples.map(({ text, label }) => [text, label])).toEqual([
      ['Comma, inside', -3],
      ['Plain note', 100],
    ]);
  });

  it('gives null labels when no label column is configured', () => {
    const unlabelled = { ...noteColumns, labelColumn: null, metadataColumns: [] };
    const dataset = loadDelimited(fixture('delimited-basic.csv'), 'notes', unlabelled);
    expect(dataset.samples.map((s) => s.label)).toEqual([null, null]);
    expect(dataset.samples[0]?.metadata).toEqual({});
  });

  it('uses a configured delimiter, and asks for one when the extension says nothing', () => {
    const file = fixture('delimited-semicolon.txt');
    const dataset = loadDelimited(file, 'notes', { ...noteColumns, metadataColumns: [], delimiter: ';' });
    expect(dataset.samples).toEqual([{ idx: 0, text: 'Semicolon note', label: 'yes', metadata: {} }]);
    expect(() => loadDelimited(file, 'notes', noteColumns)).toThrow(
      datasetError({ code: 'unsupported_format', message: expect.stringMatching(/set the dataset's delimiter/) }),
    );
  });

  it('refuses an empty delimiter setting', () => {
    expect(() => loadDelimited(fixture('delimited-basic.csv'), 'notes', { ...noteColumns, delimiter: '' })).toThrow(
      datasetError({ code: 'missing_setting', field: 'delimiter' }),
    );
  });

  it('names every missing configured column and the columns found', () => {
    const file = fixture('delimited-basic.csv');
    const columns = { ...noteColumns, textColumn: 'text', metadataColumns: ['site', 'age'] };
    expect(() => loadDelimited(file, 'notes', columns)).toThrow(
      datasetError({
        code: 'missing_columns',
        message: `${file}, line 1: missing columns "text", "age"; the header has "note", "label", "site"`,
      }),
    );
  });
});

describe('loadDelimited (JSON lines)', () => {
  it('keeps JSON label types, skips blank lines and blank text', () => {
    const dataset = loadDelimited(fixture('delimited-basic.jsonl'), 'notes', noteColumns);
    expect(dataset.samples).toEqual([
      { idx: 0, text: 'First note', label: 2, metadata: { site: 'breast' } },
      { idx: 1, text: 'Second note', label: 'malignant', metadata: { site: 'lung' } },
      { idx: 2, text: 'Third note', label: null, metadata: { site: null } },
      { idx: 3, text: 'Fourth note', label: true, metadata: { site: 'skin' } },
    ]);
  });

  it('names the line that is not valid JSON', () => {
    const file = fixture('delimited-bad-line.jsonl');
    expect(() => loadDelimited(file, 'notes', noteColumns)).toThrow(
      datasetError({
        code: 'malformed_json',
        line: 3,
        message: `${file}, line 3: this line is not valid JSON (Unexpected token '}')`,
      }),
    );
  });

  it('names the line that is not a JSON object, and a label that is neither number, true/false nor text', () => {
    const arrayLine = fixture('delimited-array-line.jsonl');
    expect(() => loadDelimited(arrayLine, 'notes', noteColumns)).toThrow(
      datasetError({
        code: 'malformed_json',
        message: `${arrayLine}, line 2: each line must be one JSON object ({...})`,
      }),
    );
    const objectLabel = fixture('delimited-object-label.jsonl');
    expect(() => loadDelimited(objectLabel, 'notes', noteColumns)).toThrow(
      datasetError({
        code: 'invalid_item',
        message: `${objectLabel}, line 1, field "label": the label should be a number, true/false or text`,
      }),
    );
  });

  it('names the line and field of a record without text', () => {
    const file = fixture('delimited-missing-text.jsonl');
    expect(() => loadDelimited(file, 'notes', noteColumns)).toThrow(
      datasetError({ code: 'invalid_item', message: `${file}, line 2, field "note": the text field is missing` }),
    );
  });
});
