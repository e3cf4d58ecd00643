/**
 * McNemar's exact test: of the n = b + c discordant samples (one variant right, the other wrong), is b ~
 * Binomial(n, 1/2)? Two-sided p = min(1, 2 P(X <= min(b, c))), which for p = 1/2 equals SciPy's
 * binomtest(b, n, 0.5).pvalue. The binomial terms are summed in log space, so thousands of samples do not underflow.
 */
export function mcnemarExactP(onlyA: number, onlyB: number): number {
  for (const count of [onlyA, onlyB]) {
    if (!Number.isInteger(count) || count < 0) throw new Error(`discordant counts must be whole numbers, got ${count}`);
  }
  const n = onlyA + onlyB;
  if (n === 0) return 1;
  const k = Math.min(onlyA, onlyB);
  // log C(n, i) + n log(1/2), for i = 0..k.
  const logs: number[] = [];
  let logChoose = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    logs.push(logChoose - n * Math.LN2);
  }
  const max = Math.max(...logs);
  const tail = Math.exp(max) * logs.reduce((sum, value) => sum + Math.exp(value - max), 0);
  return Math.min(1, 2 * tail);
}
