import { z } from 'zod';

import type { Seed } from '../results/seed.js';

/** Safe-range BigInts become numbers, so one value has one form. */
function normaliseSeed(seed: Seed): Seed {
  return typeof seed === 'bigint' && Number.isSafeInteger(Number(seed)) ? Number(seed) : seed;
}

function isSeed(value: unknown): value is Seed {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value));
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') {
    // An integer-valued float beyond 2^53 (e.g. 1e20) is not the integer it looks like.
    return Number.isInteger(value) ? `${value}, which is beyond exact whole numbers as written (give its digits)` : String(value);
  }
  if (typeof value === 'string') return `the text '${value}'`;
  return value === null ? 'null' : `a ${typeof value} value`;
}

/** A seed in a config: any whole number, of any size; a float or text is refused with what was given. */
export const SeedSchema = z
  .custom<Seed>(isSeed, { error: (issue) => `a seed must be a whole number (any size, negative allowed), got ${describeValue(issue.input)}` })
  .transform(normaliseSeed);
