/**
 * A random seed: any integer, as CPython's `random.seed` takes (a negative seed samples like its absolute value).
 * A number while it is a safe integer, a BigInt beyond that, so every value is held exactly.
 */
export type Seed = number | bigint;
