/** Layers whose Holm-adjusted p-value is below this are reported as differing beyond chance. */
export const SIGNIFICANCE_LEVEL = 0.05;

/** Holm–Bonferroni adjusted p-values (same order as given), for reading many layers' tests at once. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(pValues.length);
  let runningMax = 0;
  order.forEach(({ p, index }, rank) => {
    runningMax = Math.max(runningMax, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = runningMax;
  });
  return adjusted;
}

/** The layers whose adjusted p-value is below `level`, ascending. */
export function layersBeyondChance(
  layers: readonly number[],
  adjusted: readonly number[],
  level: number = SIGNIFICANCE_LEVEL,
): number[] {
  return layers.filter((_, k) => (adjusted[k] as number) < level).sort((x, y) => x - y);
}
