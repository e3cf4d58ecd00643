import { expect } from 'vitest';

/** max |actual − expected| / max |expected|: the error relative to the scale of the expected values. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
    maxAbs = Math.max(maxAbs, Math.abs(expected[i] as number));
  }
  return maxDiff / maxAbs;
}
