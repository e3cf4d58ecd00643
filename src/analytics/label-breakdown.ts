import { cosine, l2Distance, meanVector, type NumericVector } from './vector-math.js';

/** A sample's label as datasets carry it (CoTLab: bool, int score, string class, or none). */
export type SampleLabel = string | number | boolean | null;

/** One label group of one run compared with the other run's mean. */
export interface LabelGroupSummary {
  run: 'a' | 'b';
  label: SampleLabel;
  count: number;
  cosineToOtherMean: number;
  l2ToOtherMean: number;
}

const TYPE_RANK = { number: 0, boolean: 1, string: 2, object: 3 } as const;

// Numbers ascending, then false/true, then strings, then null: 0, 1, 2 reads better than first-seen order.
function compareLabels(x: SampleLabel, y: SampleLabel): number {
  const rankX = TYPE_RANK[typeof x as keyof typeof TYPE_RANK];
  const rankY = TYPE_RANK[typeof y as keyof typeof TYPE_RANK];
  if (rankX !== rankY) return rankX - rankY;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  return Number(x) - Number(y);
}

/** Mean vector of each label group of one run, compared with the other run's mean vector. */
export function labelBreakdown(
  run: 'a' | 'b',
  vectors: readonly NumericVector[],
  labels: readonly SampleLabel[],
  otherMean: NumericVector,
): LabelGroupSummary[] {
  // Keyed by JSON so that 1 and "1" stay different groups.
  const groups = new Map<string, { label: SampleLabel; members: NumericVector[] }>();
  vectors.forEach((vector, i) => {
    const label = labels[i] ?? null;
    const key = JSON.stringify(label);
    const group = groups.get(key) ?? { label, members: [] };
    group.members.push(vector);
    groups.set(key, group);
  });
  return [...groups.values()]
    .sort((x, y) => compareLabels(x.label, y.label))
    .map(({ label, members }) => {
      const groupMean = meanVector(members, otherMean.length);
      return {
        run,
        label,
        count: members.length,
        cosineToOtherMean: cosine(groupMean, otherMean),
        l2ToOtherMean: l2Distance(groupMean, otherMean),
      };
    });
}
