import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDelimited, type DelimitedColumns } from '../../src/datasets/delimited.js';
import { MAX_FIELD_BYTES } from '../../src/datasets/field-limit.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));

/** Matches a thrown DatasetError with these fields. */
const datasetError = (fields: Record<string, unknown>): unknown =>
  expect.objectContaining({ name: 'DatasetError', ...fields });

const temp = makeTempDir('datasets-delimited');
afterAll(() => temp.remove());

/** A scratch dataset file with this content. */
function scratchFile(name: string, content: string): string {
  const file = temp.path(name);
  writeFileSync(file, content);
  return file;
}

const noteColumns: DelimitedColumns = {
  textColumn: 'note',
  labelColumn: 'label',
  metadataColumns: ['site'],
  delimiter: null,
};

describe('loadDelimited (TSV/CSV)', () => {
  it('reads a TSV by extension, skipping blank text, typing labels', async () => {
    const dataset = await loadDelimited(fixture('delimited-basic.tsv'), 'notes', noteColumns);
    expect(dataset.samples).toEqual([
      { idx: 0, text: 'Multi-line\nnote', label: 2, metadata: { site: 'breast' } },
      { idx: 1, text: 'Second note', label: 1.5, metadata: { site: 'lung' } },
      { idx: 2, text: 'Third note', label: 'benign', metadata: { site: 'skin' } },
      { idx: 3, text: 'Fourth note', label: null, metadata: { site: 'liver' } },
    ]);
  });

  it('reads a CSV by extension with quoted commas and exponent numbers', async () => {
    const dataset = await loadDelimited(fixture('delimited-basic.csv'), 'notes', noteColumns);
    expect(dataset.samples.map(({ text, label }) => [text, label])).toEqual([
      ['Comma, inside', -3],
      ['Plain note', 100],
    ]);
  });

  it('gives null labels when no label column is configured', async () => {
    const unlabelled = { ...noteColumns, labelColumn: null, metadataColumns: [] };
    const dataset = await loadDelimited(fixture('delimited-basic.csv'), 'notes', unlabelled);
    expect(dataset.samples.map((s) => s.label)).toEqual([null, null]);
    expect(dataset.samples[0]?.metadata).toEqual({});
  });

  it('uses a configured delimiter, and asks for one when the extension says nothing', async () => {
    const file = fixture('delimited-semicolon.txt');
    const dataset = await loadDelimited(file, 'notes', { ...noteColumns, metadataColumns: [], delimiter: ';' });
    expect(dataset.samples).toEqual([{ idx: 0, text: 'Semicolon note', label: 'yes', metadata: {} }]);
    await expect(loadDelimited(file, 'notes', noteColumns)).rejects.toThrow(
      datasetError({ code: 'unsupported_format', message: expect.stringMatching(/set the dataset's delimiter/) }),
    );
  });

  it('refuses an empty delimiter setting', async () => {
    await expect(loadDelimited(fixture('delimited-basic.csv'), 'notes', { ...noteColumns, delimiter: '' })).rejects.toThrow(
      datasetError({ code: 'missing_setting', field: 'delimiter' }),
    );
  });

  it('names every missing configured column and the columns found', async () => {
    const file = fixture('delimited-basic.csv');
    const columns = { ...noteColumns, textColumn: 'text', metadataColumns: ['site', 'age'] };
    await expect(loadDelimited(file, 'notes', columns)).rejects.toThrow(
      datasetError({
        code: 'missing_columns',
        message: `${file}, line 1: missing columns "text", "age"; the header has "note", "label", "site"`,
      }),
    );
  });
});

describe('loadDelimited (JSON lines)', () => {
  it('keeps JSON label types, skips blank lines and blank text', async () => {
    const dataset = await loadDelimited(fixture('delimited-basic.jsonl'), 'notes', noteColumns);
    expect(dataset.samples).toEqual([
      { idx: 0, text: 'First note', label: 2, metadata: { site: 'breast' } },
      { idx: 1, text: 'Second note', label: 'malignant', metadata: { site: 'lung' } },
      { idx: 2, text: 'Third note', label: null, metadata: { site: null } },
      { idx: 3, text: 'Fourth note', label: true, metadata: { site: 'skin' } },
    ]);
  });

  it('names the line that is not valid JSON', async () => {
    const file = fixture('delimited-bad-line.jsonl');
    await expect(loadDelimited(file, 'notes', noteColumns)).rejects.toThrow(
      datasetError({
        code: 'malformed_json',
        line: 3,
        message: `${file}, line 3: this line is not valid JSON (Unexpected token '}')`,
      }),
    );
  });

  it('names the line that is not a JSON object, and a label that is neither number, true/false nor text', async () => {
    const arrayLine = fixture('delimited-array-line.jsonl');
    await expect(loadDelimited(arrayLine, 'notes', noteColumns)).rejects.toThrow(
      datasetError({
        code: 'malformed_json',
        message: `${arrayLine}, line 2: each line must be one JSON object ({...})`,
      }),
    );
    const objectLabel = fixture('delimited-object-label.jsonl');
    await expect(loadDelimited(objectLabel, 'notes', noteColumns)).rejects.toThrow(
      datasetError({
        code: 'invalid_item',
        message: `${objectLabel}, line 1, field "label": the label should be a number, true/false or text`,
      }),
    );
  });

  it('names the line and field of a record without text', async () => {
    const file = fixture('delimited-missing-text.jsonl');
    await expect(loadDelimited(file, 'notes', noteColumns)).rejects.toThrow(
      datasetError({ code: 'invalid_item', message: `${file}, line 2, field "note": the text field is missing` }),
    );
  });
});

describe('loadDelimited: files a careless export produces', () => {
  it('refuses a header that names a column twice, naming both positions', async () => {
    const file = scratchFile('twice.tsv', 'note\tlabel\tsite\tlabel\nA note\t1\tlung\t2\n');
    await expect(loadDelimited(file, 'notes', noteColumns)).rejects.toThrow(
      datasetError({
        code: 'duplicate_columns',
        line: 1,
        message: `${file}, line 1: columns 2 and 4 of the header are both named "label"; rename one of them`,
      }),
    );
  });

  it('refuses a field over the size limit, naming its line and column', async () => {
    const huge = 'x'.repeat(MAX_FIELD_BYTES + 1);
    const file = scratchFile('huge.tsv', `note\tlabel\tsite\nshort\t1\tlung\n"${huge}"\t2\tskin\n`);
    await expect(loadDelimited(file, 'notes', noteColumns)).rejects.toThrow(
      datasetError({ code: 'field_too_large', line: 3, field: 'note', message: expect.stringContaining('a field may hold at most 1 MiB') }),
    );
    const jsonl = scratchFile('huge.jsonl', `{"note": "short", "label": 1}\n${JSON.stringify({ note: huge, label: 2 })}\n`);
    await expect(loadDelimited(jsonl, 'notes', { ...noteColumns, metadataColumns: [] })).rejects.toThrow(
      datasetError({ code: 'field_too_large', line: 2, field: 'note' }),
    );
  });

  it('stops reading a row that grows past the row limit (a quote left open), naming where it started', async () => {
    const runaway = `note\tlabel\tsite\nfine\t1\tlung\nopen\t2\t"${'y'.repeat(5 * MAX_FIELD_BYTES)}\n`;
    const file = scratchFile('runaway.tsv', runaway);
    await expect(loadDelimited(file, 'notes', noteColumns)).rejects.toThrow(
      datasetError({ code: 'field_too_large', line: 3, field: 'site', message: expect.stringContaining('the row grows past 4 MiB') }),
    );
  });
});
