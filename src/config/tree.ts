/** Helpers for the plain JSON-like trees that YAML files and overrides produce. */

export type Tree = Record<string, unknown>;

export function isMapping(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON-like values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isMapping(a) && isMapping(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && deepEqual(a[key], b[key]));
  }
  return false;
}

/** `over` merged into `base`: mappings merge key by key, anything else replaces (Hydra's merge rule). */
export function deepMerge(base: unknown, over: unknown): unknown {
  if (!isMapping(base) || !isMapping(over)) return structuredClone(over);
  const merged: Tree = structuredClone(base);
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(merged[key], value);
  return merged;
}

/** `experiment.variants.1.seed` from ['experiment', 'variants', 1, 'seed']. */
export function dottedPath(segments: readonly PropertyKey[]): string {
  return segments.map(String).join('.');
}

/**
 * Integers read as BigInt (YAML with intAsBigInt) back to numbers wherever that is exact, so only integers beyond
 * 2^53 (big seeds) stay BigInt. Returns the converted tree; mappings and lists are rebuilt, not mutated.
 */
export function numbersWhereExact(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(numbersWhereExact);
  if (isMapping(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, numbersWhereExact(item)]));
  return value;
}
