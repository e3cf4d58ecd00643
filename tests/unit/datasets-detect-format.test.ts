import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectDatasetFormat } from '../../src/datasets/detect-format.js';
import { loadDataset } from '../../src/datasets/load-dataset.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/datasets/${name}`, import.meta.url));
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('detectDatasetFormat', () => {
  const scratch = makeTempDir('detect-format');
  afterAll(() => scratch.remove());
  const written = (name: string, content: string) => {
    writeFileSync(scratch.path(name), content);
    return scratch.path(name);
  };

  it('knows the HARE annotation table by its header, quoted multi-line reports and all', async () => {
    for (const file of [fixture('hare-basic.tsv'), `${projectRoot}data/histopathology.tsv`]) {
      expect(await detectDatasetFormat(file)).toEqual({
        format: 'hare_tsv',
        reason: 'HARE annotation table: the header has ground_truth, 0..3 and Scoring 0..3',
        columns: [],
        delimiter: null,
        textColumn: null,
        labelColumn: null,
      });
    }
    // The header decides, not the name: a HARE table saved as .txt is still one.
    const renamed = written('annotations.txt', `ground_truth\t0\t1\t2\t3\tScoring 0\tScoring 1\tScoring 2\tScoring 3\nCase\tA\tB\tC\tD\t1\t2\t0\t1\n`);
    expect((await detectDatasetFormat(renamed)).format).toBe('hare_tsv');
  });

  it('knows the radiology JSON by its items and the radiology CSV by its Synthetic/Flag header', async () => {
    expect(await detectDatasetFormat(fixture('radiology-basic.json'))).toMatchObject({ format: 'radiology', reason: expect.stringMatching(/^CoTLab radiology JSON/) });
    expect((await detectDatasetFormat(`${projectRoot}data/radiology.json`)).format).toBe('radiology');
    expect(await detectDatasetFormat(fixture('radiology-basic.csv'))).toMatchObject({ format: 'radiology', reason: expect.stringMatching(/Synthetic \(text\) and Flag/) });
  });

  it('reads other tables as delimited, with the separator and the text and label columns guessed', async () => {
    expect(await detectDatasetFormat(fixture('delimited-basic.tsv'))).toEqual({
      format: 'delimited',
      reason: 'tab-separated table with the columns "note", "label", "site", "source"; text from "note"; label from "label"',
      columns: ['note', 'label', 'site', 'source'],
      delimiter: '\t',
      textColumn: 'note',
      labelColumn: 'label',
    });
    expect(await detectDatasetFormat(fixture('delimited-basic.csv'))).toMatchObject({ format: 'delimited', delimiter: ',', textColumn: 'note', labelColumn: 'label' });
    // No telling name: the column with the longest cells holds the text.
    const unnamed = written('cases.tsv', 'id\tnarrative\tgrade\n1\tA long narrative about the specimen.\tlow\n2\tAnother long narrative here.\thigh\n');
    expect(await detectDatasetFormat(unnamed)).toMatchObject({
      delimiter: '\t',
      textColumn: 'narrative',
      labelColumn: null,
      reason: expect.stringContaining('text from "narrative" (its cells are the longest); no label column recognised'),
    });
    // A .txt table: the header's separator decides.
    expect((await detectDatasetFormat(written('notes.txt', 'text,label\nSome note,1\n'))).delimiter).toBe(',');
  });

  it('reads JSON lines as delimited with the keys as columns', async () => {
    expect(await detectDatasetFormat(fixture('delimited-basic.jsonl'))).toMatchObject({
      format: 'delimited',
      columns: ['note', 'label', 'site', 'extra'],
      delimiter: null,
      textColumn: 'note',
      labelColumn: 'label',
      reason: expect.stringMatching(/^JSON lines: one object per line/),
    });
  });

  it('gives a mapping the delimited loader takes as it is', async () => {
    const detection = await detectDatasetFormat(fixture('delimited-basic.tsv'));
    const loaded = await loadDataset(
      { name: 'n', format: detection.format, path: fixture('delimited-basic.tsv'), text_column: detection.textColumn, label_column: detection.labelColumn, metadata_columns: [], delimiter: detection.delimiter },
      projectRoot,
    );
    expect(loaded.samples).toHaveLength(4);
  });

  it('says what is wrong with a JSON file of another layout, and where a file is malformed', async () => {
    await expect(detectDatasetFormat(written('records.json', '[{"text": "a", "label": 1}]'))).rejects.toThrow(
      expect.objectContaining({ name: 'DatasetError', code: 'unsupported_format', message: expect.stringMatching(/records\.json: this JSON file is not the radiology layout/) }),
    );
    await expect(detectDatasetFormat(fixture('hare-unterminated-quote.tsv'))).rejects.toThrow(expect.objectContaining({ code: 'unterminated_quote' }));
    await expect(detectDatasetFormat(fixture('delimited-bad-line.jsonl'))).rejects.toThrow(expect.objectContaining({ code: 'malformed_json', line: expect.any(Number) }));
    await expect(detectDatasetFormat(fixture('empty.tsv'))).rejects.toThrow(expect.objectContaining({ code: 'empty_file' }));
  });
});
