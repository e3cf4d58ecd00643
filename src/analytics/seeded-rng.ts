import { AnalysisInputError } from './errors.js';

/** A reproducible stream of pseudo-random numbers (xoshiro128**, seeded through a splitmix32 hash). */
export interface SeededRng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, bound), without modulo bias. */
  nextInt(bound: number): number;
}

const TWO_POW_32 = 4294967296;

// splitmix32-style finaliser: spreads every input bit over the whole word, so nearby seeds give unrelated streams.
function mix32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

function checkStreamKey(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= TWO_POW_32) {
    throw new AnalysisInputError(`The random ${field} must be a whole number from 0 to 4294967295, got ${value}.`, {
      field,
    });
  }
  return value;
}

// Salts for the words of seeds beyond 32 bits and for the sign; any odd constants distinct from the key salt do.
const WORD_SALT = 0x7f4a7c15;
const NEGATIVE_SALT = 0x85ebca6b;
const WORD_MASK = 0xffffffffn;

/**
 * The 32-bit start of a seed's streams. Seeds from 0 to 2^32 − 1 hash as they always have (mix32 of the seed);
 * any other integer folds in the further 32-bit words of its magnitude, least significant first, then its sign,
 * so every integer has streams of its own (up to the 2^32 possible starts) and none is refused.
 */
function seedHash(seed: number | bigint): number {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) {
      throw new AnalysisInputError(`The random seed must be a whole number (a BigInt beyond 2^53), got ${seed}.`, { field: 'seed' });
    }
    if (seed >= 0 && seed < TWO_POW_32) return mix32(seed);
  }
  let magnitude = BigInt(seed);
  const negative = magnitude < 0n;
  if (negative) magnitude = -magnitude;
  let hashed = mix32(Number(magnitude & WORD_MASK));
  for (magnitude >>= 32n; magnitude > 0n; magnitude >>= 32n) {
    hashed = mix32(hashed ^ mix32(Number(magnitude & WORD_MASK) + WORD_SALT));
  }
  return negative ? mix32(hashed ^ NEGATIVE_SALT) : hashed;
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** xoshiro128** (Blackman & Vigna) from an explicit 128-bit state; the state must not be all zero. */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): SeededRng {
  let [s0, s1, s2, s3] = state.map((word) => word >>> 0) as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) {
    throw new AnalysisInputError('The random generator state must not be all zero.', { field: 'state' });
  }

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };

  const nextInt = (bound: number): number => {
    if (!Number.isInteger(bound) || bound < 1 || bound > TWO_POW_32) {
      throw new AnalysisInputError(`A random index needs a whole-number range from 1 to 4294967296, got ${bound}.`);
    }
    // Reject the top partial block of 2^32 so every index is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % bound);
    for (;;) {
      const draw = nextUint32();
      if (draw < limit) return draw % bound;
    }
  };

  return {
    nextUint32,
    nextFloat: () => nextUint32() / TWO_POW_32,
    nextInt,
  };
}

/**
 * Creates a generator from a seed (any integer) and optional stream keys (e.g. layer index and purpose), so each
 * layer and each resampling scheme gets its own stream and results do not depend on what else was analysed.
 */
export function createSeededRng(seed: number | bigint, ...streamKeys: number[]): SeededRng {
  let hashed = seedHash(seed);
  streamKeys.forEach((key, position) => {
    hashed = mix32(hashed ^ mix32(checkStreamKey(key, `stream key ${position}`) + 0x9e3779b9));
  });
  let counter = hashed;
  const nextSeedWord = (): number => {
    counter = (counter + 0x9e3779b9) >>> 0;
    return mix32(counter);
  };
  const state: [number, number, number, number] = [nextSeedWord(), nextSeedWord(), nextSeedWord(), nextSeedWord()];
  // An all-zero state would be stuck at zero; the hash makes it practically impossible, but keep it valid anyway.
  if (state.every((word) => word === 0)) state[0] = 1;
  return xoshiro128StarStar(state);
}

/** Fisher–Yates shuffle driven by the given generator (draws from the last position down). */
export function shuffleInPlace<T>(items: T[], rng: SeededRng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
  return items;
}
