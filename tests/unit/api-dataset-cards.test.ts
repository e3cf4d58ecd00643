import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { datasetCard, withoutCountClaims } from '../../src/services/dataset-cards.js';
import { labelDistribution, loadDataset } from '../../src/datasets/load-dataset.js';
import type { DatasetSpec } from '../../src/datasets/spec.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/api');
const configDir = path.join(fixtures, 'configs');
/** The card's view of a file, computed here with the loaders directly. */
async function summarize(spec: DatasetSpec) {
  const loaded = await loadDataset(spec, fixtures);
  return { name: loaded.name, path: loaded.path, total: loaded.samples.length, unloaded: null, columns: [], labels: labelDistribution(loaded.samples) };
}

const notes: DatasetSpec = {
  name: 'notes',
  format: 'delimited',
  path: 'notes.tsv',
  text_column: 'text',
  label_column: 'label',
  metadata_columns: [],
  delimiter: null,
  gold_classes: null,
  answer_classes: null,
};

describe('bundled dataset cards', () => {
  it('drops sample counts quoted in a config comment, keeping the rest of the sentence', () => {
    expect(withoutCountClaims('HARE table; each scored report becomes one sample (150 rows -> 600 samples).')).toBe(
      'HARE table; each scored report becomes one sample.',
    );
    expect(withoutCountClaims('Radiology reports (100 reports). Labels (true/false) as given.')).toBe('Radiology reports. Labels (true/false) as given.');
  });

  it('states the counts of the file as it loads, not those of its comment', async () => {
    const card = await datasetCard(notes, configDir, summarize);
    expect(card).toEqual({
      name: 'notes',
      format: 'delimited',
      path: path.join(fixtures, 'notes.tsv'),
      description: 'Short pathology notes for tests; one sample per row.',
      samples: 3,
      labels: [
        { label: 'benign', count: 2 },
        { label: 'malignant', count: 1 },
      ],
      problem: null,
    });
  });

  it('says why a dataset cannot be loaded instead of failing the whole list', async () => {
    const card = await datasetCard({ ...notes, path: 'missing.tsv' }, configDir, summarize);
    expect(card.samples).toBeNull();
    expect(card.labels).toEqual([]);
    expect(card.problem).toContain('missing.tsv');
  });
});
