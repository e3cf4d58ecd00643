import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiContract } from '../../src/contract/index.js';
import { createEngineService } from '../../src/services/engine-service.js';
import { createPathPolicy } from '../../src/services/path-policy.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { repoRoot } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fixture = (name: string) => path.join(repoRoot, 'tests/fixtures/datasets', name);

describe('the engine service calls that set up an experiment', () => {
  const scratch = makeTempDir('setup-calls');
  const options = scratchEngineOptions(scratch.dir, 'test');
  const service = createEngineService(options, createPathPolicy(options.paths, [options.uploadDir]));
  afterAll(() => {
    service.close();
    scratch.remove();
  });

  it('detects a HARE file by path and previews its samples with the label distribution', async () => {
    const detected = await service.detectDatasetFormat({ path: fixture('hare-basic.tsv') });
    expect(detected.format).toBe('hare_tsv');
    const request = apiContract.loadDatasetPreview.request.parse({
      source: { kind: 'file', path: fixture('hare-basic.tsv'), format: detected.format, mapping: detected.mapping },
    });
    const preview = apiContract.loadDatasetPreview.response.parse(await service.loadDatasetPreview(request));
    expect(preview).toMatchObject({ name: 'hare-basic', format: 'hare_tsv', totalSamples: 6, detected: { format: 'hare_tsv' } });
    expect(preview.labels.reduce((sum, label) => sum + label.count, 0)).toBe(6);
  });

  it('previews a table with the detected columns mapped, and says what the file looks like when another format is chosen', async () => {
    const detected = await service.detectDatasetFormat({ path: fixture('delimited-basic.tsv') });
    const source = { kind: 'file' as const, path: fixture('delimited-basic.tsv'), format: detected.format, mapping: detected.mapping, name: 'my notes' };
    const preview = await service.loadDatasetPreview(apiContract.loadDatasetPreview.request.parse({ source }));
    expect(preview).toMatchObject({ name: 'my notes', totalSamples: 4, columns: ['note', 'label', 'site', 'source'] });
    expect(preview.labels).toEqual([
      { label: '1.5', count: 1 },
      { label: '2', count: 1 },
      { label: 'benign', count: 1 },
      { label: '(none)', count: 1 },
    ]);
    await expect(service.loadDatasetPreview(apiContract.loadDatasetPreview.request.parse({ source: { ...source, format: 'hare_tsv' } }))).rejects.toThrow(
      /missing columns "ground_truth"/,
    );
  });

  it('keeps a dropped file under its own name: the same file again reuses it, another of that name gets a suffix', async () => {
    const first = await service.uploadDataset({ fileName: 'notes.tsv', content: 'text\tlabel\nA\t1\n' });
    const again = await service.uploadDataset({ fileName: 'notes.tsv', content: 'text\tlabel\nA\t1\n' });
    const other = await service.uploadDataset({ fileName: 'notes.tsv', content: 'text\tlabel\nB\t0\n' });
    expect(path.basename(first.path)).toBe('notes.tsv');
    expect(again.path).toBe(first.path);
    expect(path.basename(other.path)).toBe('notes-2.tsv');
    expect(readFileSync(other.path, 'utf8')).toBe('text\tlabel\nB\t0\n');
  });

  it('answers experimentDefaults from the composed configs', async () => {
    const defaults = apiContract.experimentDefaults.response.parse(await service.experimentDefaults({}));
    expect(defaults).toMatchObject({ pooling: 'mean', numSamples: 20, seed: 42, modelDir: null });
    expect(defaults.variants.map((variant) => variant.name)).toEqual(['histopathology', 'radiology']);
  });

  it('refuses the settings of an experiment that does not exist', async () => {
    await expect(service.experimentSettings({ id: '99' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
