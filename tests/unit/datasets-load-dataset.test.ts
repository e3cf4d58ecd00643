import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../src/datasets/sample.js';
import { labelDistribution, loadDataset } from '../../src/datasets/load-dataset.js';
import { DatasetSpecSchema } from '../../src/datasets/spec.js';

const fixturesDir = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

const sample = (idx: number, label: Sample['label']): Sample => ({ idx, text: `t${idx}`, label, metadata: {} });

describe('loadDataset', () => {
  it('dispatches on format and resolves relative paths against baseDir', async () => {
    const hareSpec = DatasetSpecSchema.parse({ name: 'h', format: 'hare_tsv', path: 'hare-basic.tsv' });
    const hare = await loadDataset(hareSpec, fixturesDir);
    expect(hare.path).toBe(`${fixturesDir}hare-basic.tsv`);
    expect(hare.samples).toHaveLength(6);
    const radiology = await loadDataset(
      DatasetSpecSchema.parse({ name: 'r', format: 'radiology', path: `${fixturesDir}radiology-basic.csv` }),
      '/nowhere',
    );
    expect(radiology.samples.map((s) => s.label)).toEqual(['Yes', 'No']);
    const notes = await loadDataset(
      DatasetSpecSchema.parse({ name: 'n', format: 'delimited', path: 'delimited-basic.jsonl', text_column: 'note' }),
      fixturesDir,
    );
    expect(notes.samples.map((s) => s.label)).toEqual([null, null, null, null]);
  });

  it('refuses a folder given as the dataset path', async () => {
    const spec = DatasetSpecSchema.parse({ name: 'h', format: 'hare_tsv', path: '.' });
    await expect(loadDataset(spec, fixturesDir)).rejects.toThrow(
      expect.objectContaining({
        name: 'DatasetError',
        code: 'not_a_file',
        message: `${fixturesDir.replace(/\/$/, '')}: this path is a folder or device, not a dataset file`,
      }),
    );
  });

  it('asks for text_column with the delimited format', async () => {
    const spec = DatasetSpecSchema.parse({ name: 'n', format: 'delimited', path: 'delimited-basic.tsv' });
    await expect(loadDataset(spec, fixturesDir)).rejects.toThrow(
      expect.objectContaining({ name: 'DatasetError', code: 'missing_setting', field: 'text_column' }),
    );
  });

  it('loads the bundled demo data', async () => {
    const histopathology = await loadDataset(
      DatasetSpecSchema.parse({ name: 'histopathology', format: 'hare_tsv', path: 'data/histopathology.tsv' }),
      projectRoot,
    );
    expect(histopathology.samples).toHaveLength(78);
    expect(labelDistribution(histopathology.samples)).toEqual([
      { label: '0', count: 37 },
      { label: '1', count: 14 },
      { label: '2', count: 17 },
      { label: '3', count: 5 },
      { label: '4', count: 5 },
    ]);
    const radiology = await loadDataset(
      DatasetSpecSchema.parse({ name: 'radiology', format: 'radiology', path: 'data/radiology.json' }),
      projectRoot,
    );
    expect(labelDistribution(radiology.samples)).toEqual([
      { label: 'false', count: 30 },
      { label: 'true', count: 30 },
    ]);
    expect(radiology.samples[0]?.metadata.id).toBe('radiology_demo_000');
  });
});

describe('labelDistribution', () => {
  it('counts labels, numbers sorted numerically before booleans, text and missing labels', async () => {
    const samples = [
      sample(0, 'benign'),
      sample(1, 10),
      sample(2, null),
      sample(3, 2),
      sample(4, true),
      sample(5, 2),
      sample(6, 'atypical'),
      sample(7, false),
      sample(8, 10),
    ];
    expect(labelDistribution(samples)).toEqual([
      { label: '2', count: 2 },
      { label: '10', count: 2 },
      { label: 'false', count: 1 },
      { label: 'true', count: 1 },
      { label: 'atypical', count: 1 },
      { label: 'benign', count: 1 },
      { label: '(none)', count: 1 },
    ]);
  });

  it('is empty for no samples', async () => {
    expect(labelDistribution([])).toEqual([]);
  });
});
