import type { Sample } from './sample.js';

/** How many samples carry one label; `label` is the label as displayed ("(none)" for samples without one). */
export interface LabelCount {
  label: string;
  count: number;
}

const NO_LABEL = '(none)';

/** Sort rank by label type: numbers, then booleans, then text, then no label. */
function typeRank(label: Sample['label']): number {
  if (typeof label === 'number') return 0;
  if (typeof label === 'boolean') return 1;
  if (typeof label === 'string') return 2;
  return 3;
}

function compareLabels(a: Sample['label'], b: Sample['label']): number {
  const byType = typeRank(a) - typeRank(b);
  if (byType !== 0) return byType;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const textA = String(a);
  const textB = String(b);
  return textA < textB ? -1 : textA > textB ? 1 : 0;
}

/** Count samples per label, sorted by label (numbers numerically), for display when a dataset loads. */
export function labelDistribution(samples: readonly Sample[]): LabelCount[] {
  const counts = new Map<Sample['label'], number>();
  for (const { label } of samples) counts.set(label, (counts.get(label) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => compareLabels(a, b))
    .map(([label, count]) => ({ label: label === null ? NO_LABEL : String(label), count }));
}
