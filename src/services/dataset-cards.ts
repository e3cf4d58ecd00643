import type { DatasetSpec } from '../datasets/spec.js';
import type { DatasetEntry } from '../contract/index.js';
import type { DatasetSummary } from './parsed-datasets.js';
import { optionDescription } from './workbench-configs.js';

/**
 * A config comment may quote the size of the dataset it was written for (e.g. the full upstream file), which need not
 * be the file configured here; the card states the counts measured on the loaded file instead.
 */
export function withoutCountClaims(description: string): string {
  return description.replace(/\s*\([^()]*\d[^()]*\)/g, '').trim();
}

/** A bundled dataset's card: its description and the sample and label counts of its file as it loads now. */
export async function datasetCard(spec: DatasetSpec, configDir: string, summarize: (spec: DatasetSpec) => Promise<DatasetSummary>): Promise<DatasetEntry> {
  const comment = optionDescription(configDir, 'dataset', spec.name);
  const card: DatasetEntry = {
    name: spec.name,
    format: spec.format,
    path: spec.path,
    description: comment === null ? null : withoutCountClaims(comment),
    samples: null,
    labels: [],
    problem: null,
  };
  try {
    const summary = await summarize(spec);
    return { ...card, path: summary.path, samples: summary.total, labels: summary.labels };
  } catch (error) {
    return { ...card, problem: error instanceof Error ? error.message : String(error) };
  }
}
