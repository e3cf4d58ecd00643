import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSource } from '../../src/contract/index.js';
import { createEngineSupervisor } from '../../src/host/engine-supervisor.js';
import { forkEngine } from '../../src/host/fork-engine.js';
import { createEngineService, type EngineService } from '../../src/services/engine-service.js';
import { ParsedDatasets } from '../../src/services/parsed-datasets.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';

/** Big enough that parsing it takes far longer than a history call (it is generated, never committed). */
const ROWS = 150_000;

describe('the engine service answers history calls while a large dataset is parsed', () => {
  let scratch: string;
  let bigFile: string;
  let datasets: ParsedDatasets;
  let service: EngineService;

  const source = (file: string): DatasetSource => ({
    kind: 'file',
    path: file,
    format: 'delimited',
    mapping: { textColumn: 'text', labelColumn: 'label', metadataColumns: [], delimiter: null },
  });

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-datasets-'));
    bigFile = path.join(scratch, 'big.tsv');
    const lines = ['text\tlabel'];
    for (let row = 0; row < ROWS; row++) lines.push(`Report ${row}: the specimen shows findings described in some detail here.\t${row % 3}`);
    writeFileSync(bigFile, `${lines.join('\n')}\n`);
    const options = scratchEngineOptions(scratch, 'test');
    datasets = new ParsedDatasets(options.root);
    service = createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]), datasets);
  });

  afterAll(() => {
    service?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('answers listExperiments before the preview whose parse started first', async () => {
    const order: string[] = [];
    const preview = service.loadDatasetPreview({ source: source(bigFile), offset: 0, limit: 100 }).then((answer) => {
      order.push('preview');
      return answer;
    });
    const history = service.listExperiments({ search: '', status: null, limit: 100, offset: 0 }).then((answer) => {
      order.push('history');
      return answer;
    });
    const [previewed, listed] = await Promise.all([preview, history]);
    expect(order).toEqual(['history', 'preview']);
    expect(listed.total).toBe(0);
    expect(previewed.totalSamples).toBe(ROWS);
    expect(previewed.rows[0]?.text).toBe('Report 0: the specimen shows findings described in some detail here.');
  });

  it('serves later pages and prompt previews from the parsed dataset without parsing again', async () => {
    const parsesBefore = datasets.parses;
    const page = await service.loadDatasetPreview({ source: source(bigFile), offset: 120_000, limit: 5000 });
    expect(page.rows).toHaveLength(5000);
    expect(page.rows[0]).toMatchObject({ idx: 120_000, label: 0 });
    const prompt = await service.previewPrompt({
      prompt: { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'json' } },
      dataset: source(bigFile),
      sampleIdx: 149_999,
      modelDir: null,
    });
    expect(prompt.sample.text).toContain('Report 149999:');
    expect(datasets.parses).toBe(parsesBefore);
  });

  it('parses a file again once it changed (path, modification time and size are the key)', async () => {
    const small = path.join(scratch, 'small.tsv');
    writeFileSync(small, 'text\tlabel\nfirst\t1\n');
    expect((await service.loadDatasetPreview({ source: source(small), offset: 0, limit: 10 })).totalSamples).toBe(1);
    writeFileSync(small, 'text\tlabel\nfirst\t1\nsecond\t0\n');
    const parsesBefore = datasets.parses;
    expect((await service.loadDatasetPreview({ source: source(small), offset: 0, limit: 10 })).totalSamples).toBe(2);
    expect(datasets.parses).toBe(parsesBefore + 1);
  });

  it('stops a preview whose caller went away, and keeps nothing half-parsed', async () => {
    const copy = path.join(scratch, 'big-copy.tsv');
    writeFileSync(copy, `${'text\tlabel\n'}${Array.from({ length: ROWS }, (_, row) => `Copy ${row} of a long report text.\t1`).join('\n')}\n`);
    const caller = new AbortController();
    const abandoned = service.loadDatasetPreview({ source: source(copy), offset: 0, limit: 10 }, caller.signal);
    // The history answers while the parse runs; then the caller gives up.
    await service.listExperiments({ search: '', status: null, limit: 10, offset: 0 });
    caller.abort();
    await expect(abandoned).rejects.toThrow('The dataset preview was cancelled.');
    const parsesBefore = datasets.parses;
    const again = await service.loadDatasetPreview({ source: source(copy), offset: 0, limit: 10 });
    expect(again.totalSamples).toBe(ROWS);
    expect(datasets.parses).toBe(parsesBefore + 1);
  });

  it('reads only the columns of a file whose text column is not chosen yet, and says so to a prompt preview', async () => {
    const unmapped = { ...source(bigFile), mapping: { textColumn: null, labelColumn: null, metadataColumns: [], delimiter: null } };
    const preview = await service.loadDatasetPreview({ source: unmapped, offset: 0, limit: 10 });
    expect(preview).toMatchObject({ totalSamples: 0, rows: [], columns: ['text', 'label'] });
    await expect(
      service.previewPrompt({
        prompt: { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'json' } },
        dataset: unmapped,
        sampleIdx: 0,
        modelDir: null,
      }),
    ).rejects.toThrow('the "delimited" format needs text_column, the name of the column that holds the text');
  });

  it('reports a broken file with its line, through the thread', async () => {
    const broken = path.join(scratch, 'broken.tsv');
    writeFileSync(broken, 'text\tlabel\n"never closed\t1\n');
    await expect(service.loadDatasetPreview({ source: source(broken), offset: 0, limit: 10 })).rejects.toThrow(`${broken}, line 2: a quoted field opened in this row is never closed`);
  });
});

describe('a withdrawn preview call reaches the engine service process', () => {
  it('is answered as cancelled by the process, while the history still answers', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-abort-'));
    const file = path.join(scratch, 'big.tsv');
    writeFileSync(file, `text\tlabel\n${Array.from({ length: ROWS }, (_, row) => `Row ${row} of a long report text.\t1`).join('\n')}\n`);
    const engine = createEngineSupervisor({ spawn: forkEngine, engine: scratchEngineOptions(scratch, 'test') });
    try {
      const caller = new AbortController();
      const mapping = { textColumn: 'text', labelColumn: 'label', metadataColumns: [], delimiter: null };
      const preview = engine.loadDatasetPreview({ source: { kind: 'file', path: file, format: 'delimited', mapping }, offset: 0, limit: 10 }, caller.signal);
      expect((await engine.listExperiments({ search: '', status: null, limit: 10, offset: 0 })).total).toBe(0);
      caller.abort();
      await expect(preview).rejects.toThrow('The dataset preview was cancelled.');
      expect((await engine.listExperiments({ search: '', status: null, limit: 10, offset: 0 })).total).toBe(0);
    } finally {
      await engine.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
