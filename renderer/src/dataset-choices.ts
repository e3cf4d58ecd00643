import type { DatasetEntry, DatasetPreview, DatasetSource, LabelCount } from '../../src/contract/index.js';

/** A dataset the researcher can pick for a variant: a bundled one, or a file opened on the Datasets screen. */
export interface OpenDataset {
  key: string;
  label: string;
  source: DatasetSource;
  totalSamples: number;
  labels: LabelCount[];
}

/** One key per dataset: the bundled option's name, or the file's path. */
export function datasetKeyOf(source: DatasetSource): string {
  return source.kind === 'bundled' ? `bundled:${source.name}` : `file:${source.path}`;
}

/** The name a file is shown and recorded under: its own, else the file name without its extension. */
export function fileDatasetName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.[^.]+$/, '') || 'dataset';
}

/** The bundled datasets that load, then the opened ones not already among them. */
export function datasetChoices(bundled: readonly DatasetEntry[], opened: readonly OpenDataset[]): OpenDataset[] {
  const fromBundle = bundled
    .filter((entry) => entry.samples !== null)
    .map((entry): OpenDataset => ({
      key: `bundled:${entry.name}`,
      label: entry.name,
      source: { kind: 'bundled', name: entry.name },
      totalSamples: entry.samples ?? 0,
      labels: entry.labels,
    }));
  const keys = new Set(fromBundle.map((entry) => entry.key));
  return [...fromBundle, ...opened.filter((entry) => !keys.has(entry.key))];
}

/** `name`, or `name-2`, `name-3`, ... : the first not taken by another dataset. */
export function uniqueDatasetName(name: string, key: string, taken: readonly OpenDataset[]): string {
  const others = new Set(taken.filter((entry) => entry.key !== key).map((entry) => entry.label));
  if (!others.has(name)) return name;
  let copy = 2;
  while (others.has(`${name}-${copy}`)) copy += 1;
  return `${name}-${copy}`;
}

/** How a dataset is described in one line: its samples and labels. */
export function describeCounts(dataset: Pick<OpenDataset, 'totalSamples' | 'labels'>): string {
  const labels = dataset.labels.map(({ label, count }) => `${label}: ${count}`).join(', ');
  return `${dataset.totalSamples} samples${labels === '' ? '' : ` · labels ${labels}`}`;
}

/** The datasets with this preview's dataset added (or refreshed) and made the active one; only a dataset with samples is listed. */
export function withDataset(datasets: readonly OpenDataset[], preview: DatasetPreview): { datasets: OpenDataset[]; activeDatasetKey: string } {
  const key = datasetKeyOf(preview.source);
  const entry: OpenDataset = { key, label: preview.name, source: preview.source, totalSamples: preview.totalSamples, labels: preview.labels };
  const at = datasets.findIndex((dataset) => dataset.key === key);
  const next = at < 0 ? [...datasets, entry] : datasets.map((dataset, index) => (index === at ? entry : dataset));
  return { datasets: next, activeDatasetKey: key };
}
