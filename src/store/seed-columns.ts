import type { Seed } from '../results/seed.js';

/**
 * A run's seed as stored: runs.seed (INTEGER) holds it while it is a JS safe integer, which reads back exactly as a
 * number; a larger one (CPython takes any integer) goes to runs.seed_text as its decimal digits, with runs.seed NULL.
 */
export interface SeedColumns {
  seed: number | null;
  seedText: string | null;
}

export function seedColumns(seed: Seed | null): SeedColumns {
  if (seed === null) return { seed: null, seedText: null };
  return typeof seed === 'number' ? { seed, seedText: null } : { seed: null, seedText: seed.toString() };
}

export function seedFromColumns(seed: number | null, seedText: string | null): Seed | null {
  return seedText === null ? seed : BigInt(seedText);
}
