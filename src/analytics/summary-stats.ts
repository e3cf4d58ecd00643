/** Location and spread of a set of numbers (quantiles use linear interpolation, NumPy's default). */
export interface DistributionSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); 0 for fewer than two values. */
  sd: number;
  min: number;
  q05: number;
  q25: number;
  median: number;
  q75: number;
  q95: number;
  max: number;
}

/** A two-sided interval, e.g. a bootstrap confidence interval. */
export interface Interval {
  low: number;
  high: number;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sample variance with the n − 1 denominator; 0 for fewer than two values. */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const centre = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - centre) ** 2;
  return sum / (values.length - 1);
}

/** Quantile q in [0, 1] of ascending-sorted values, interpolating linearly between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const lower = sorted[below] as number;
  const upper = sorted[above] as number;
  return lower + (upper - lower) * (position - below);
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((x, y) => x - y);
}

export function summariseDistribution(values: readonly number[]): DistributionSummary {
  const sorted = sortedCopy(values);
  return {
    n: values.length,
    mean: mean(values),
    sd: Math.sqrt(sampleVariance(values)),
    min: quantileSorted(sorted, 0),
    q05: quantileSorted(sorted, 0.05),
    q25: quantileSorted(sorted, 0.25),
    median: quantileSorted(sorted, 0.5),
    q75: quantileSorted(sorted, 0.75),
    q95: quantileSorted(sorted, 0.95),
    max: quantileSorted(sorted, 1),
  };
}

/** Percentile interval holding the central `level` share of the values (e.g. 0.95 → 2.5th to 97.5th percentile). */
export function percentileInterval(values: readonly number[], level: number): Interval {
  const sorted = sortedCopy(values);
  const tail = (1 - level) / 2;
  return { low: quantileSorted(sorted, tail), high: quantileSorted(sorted, 1 - tail) };
}

/**
 * Cohen's d of `second` minus `first` with the pooled standard deviation.
 * null when it is undefined: fewer than two values in total degrees of freedom, or no spread at all.
 */
export function cohensD(first: readonly number[], second: readonly number[]): number | null {
  const degreesOfFreedom = first.length + second.length - 2;
  if (first.length === 0 || second.length === 0 || degreesOfFreedom < 1) return null;
  const pooledVariance =
    ((first.length - 1) * sampleVariance(first) + (second.length - 1) * sampleVariance(second)) / degreesOfFreedom;
  if (pooledVariance === 0) return null;
  return (mean(second) - mean(first)) / Math.sqrt(pooledVariance);
}
