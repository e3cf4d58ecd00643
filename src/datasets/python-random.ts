/**
 * A port of the core of CPython 3's `random` module (Modules/_randommodule.c + Lib/random.py, 3.11 semantics):
 * MT19937 seeded exactly as `random.seed(int)`, `random()`, `getrandbits(k)`, `_randbelow(n)` and
 * `sample(range(n), k)`. CoTLab picks its samples with `random.seed(seed); random.sample(range(n), k)`, so matching
 * CPython bit for bit is what makes a run here select the same samples as a CoTLab run.
 */

const STATE_SIZE = 624;
const SHIFT_SIZE = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** Number of bits needed to write a non-negative integer (Python's `int.bit_length`). */
function bitLength(n: number): number {
  return n < 2 ** 32 ? 32 - Math.clz32(n) : n.toString(2).length;
}

/** `abs(seed)` split into 32-bit words, least significant first; 0 gives [0] (as `random_seed` in C does). */
function seedWords(seed: number | bigint): number[] {
  if (typeof seed === 'number' && !Number.isInteger(seed)) {
    throw new RangeError(`Random seed must be a whole number, got ${seed}.`);
  }
  let magnitude = BigInt(seed);
  if (magnitude < 0n) magnitude = -magnitude;
  const words: number[] = [];
  do {
    words.push(Number(magnitude & 0xffffffffn));
    magnitude >>= 32n;
  } while (magnitude > 0n);
  return words;
}

/**
 * The threshold `random.sample` uses to choose between its two algorithms:
 * `21 + 4 ** ceil(log(3k, 4))` when k > 5, else 21. Python's `math.log(x, base)` is `log(x) / log(base)` in
 * doubles, so the same floating expression is used here rather than an exact integer form.
 */
export function sampleSetSize(k: number): number {
  let setSize = 21;
  if (k > 5) setSize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
  return setSize;
}

/** One CPython `random.Random` instance, limited to integer seeds. */
export class PythonRandom {
  private readonly state = new Uint32Array(STATE_SIZE);
  private index = STATE_SIZE;

  constructor(seed: number | bigint) {
    this.seed(seed);
  }

  /** `random.seed(seed)` for an int seed: `init_by_array` over the words of `abs(seed)`. */
  seed(seed: number | bigint): void {
    this.initByArray(seedWords(seed));
  }

  /** A float in [0, 1) with 53 random bits, as `random.random()`. */
  random(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** A non-negative integer with k random bits, as `random.getrandbits(k)`; words fill least significant first. */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`Number of bits must be a non-negative integer, got ${k}.`);
    if (k === 0) return 0n;
    if (k <= 32) return BigInt(this.nextUint32() >>> (32 - k));
    let value = 0n;
    let bitsLeft = k;
    for (let word = 0; bitsLeft > 0; word++, bitsLeft -= 32) {
      let chunk = this.nextUint32();
      // The last, partial word keeps its most significant bits, as the C code does.
      if (bitsLeft < 32) chunk >>>= 32 - bitsLeft;
      value |= BigInt(chunk) << BigInt(32 * word);
    }
    return value;
  }

  /** A uniform integer in [0, n) for n > 0, as `Random._randbelow_with_getrandbits`: draw bit_length(n) bits, retry. */
  randBelow(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`randBelow needs a positive integer, got ${n}.`);
    const k = bitLength(n);
    if (k <= 32) {
      // Same draws as getrandbits(k), without going through bigint on the hot path.
      let r = this.nextUint32() >>> (32 - k);
      while (r >= n) r = this.nextUint32() >>> (32 - k);
      return r;
    }
    const limit = BigInt(n);
    let r = this.getrandbits(k);
    while (r >= limit) r = this.getrandbits(k);
    return Number(r);
  }

  /**
   * `random.sample(range(populationSize), k)`: k distinct indices in selection order. Small populations use a
   * partial shuffle of a pool; large ones draw with rejection against a set, exactly as Lib/random.py decides.
   */
  sample(populationSize: number, k: number): number[] {
    if (!Number.isSafeInteger(populationSize) || populationSize < 0) {
      throw new RangeError(`Population size must be a non-negative integer, got ${populationSize}.`);
    }
    if (!Number.isInteger(k) || k < 0 || k > populationSize) {
      throw new RangeError(`Sample larger than population or is negative (k=${k}, population ${populationSize}).`);
    }
    const result: number[] = new Array<number>(k);
    if (populationSize <= sampleSetSize(k)) {
      // Invariant: the indices not yet selected are pool[0 .. n-i).
      const pool = Array.from({ length: populationSize }, (_, i) => i);
      for (let i = 0; i < k; i++) {
        const j = this.randBelow(populationSize - i);
        result[i] = pool[j] as number;
        pool[j] = pool[populationSize - i - 1] as number;
      }
    } else {
      const selected = new Set<number>();
      for (let i = 0; i < k; i++) {
        let j = this.randBelow(populationSize);
        while (selected.has(j)) j = this.randBelow(populationSize);
        selected.add(j);
        result[i] = j;
      }
    }
    return result;
  }

  private initGenrand(s: number): void {
    const mt = this.state;
    mt[0] = s;
    for (let i = 1; i < STATE_SIZE; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.index = STATE_SIZE;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.state;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(STATE_SIZE, key.length); k > 0; k--) {
      const prev = mt[i - 1] as number;
      // Uint32Array assignment wraps modulo 2**32, matching the C uint32_t arithmetic.
      mt[i] = ((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] as number) + j;
      i++;
      j++;
      if (i >= STATE_SIZE) {
        mt[0] = mt[STATE_SIZE - 1] as number;
        i = 1;
      }
      if (j >= key.length) j = 0;
    }
    for (let k = STATE_SIZE - 1; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = ((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i;
      i++;
      if (i >= STATE_SIZE) {
        mt[0] = mt[STATE_SIZE - 1] as number;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  private regenerate(): void {
    const mt = this.state;
    const mixed = (a: number, b: number): number => {
      const y = ((mt[a] as number) & UPPER_MASK) | ((mt[b] as number) & LOWER_MASK);
      return (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    };
    let kk = 0;
    for (; kk < STATE_SIZE - SHIFT_SIZE; kk++) mt[kk] = (mt[kk + SHIFT_SIZE] as number) ^ mixed(kk, kk + 1);
    for (; kk < STATE_SIZE - 1; kk++) mt[kk] = (mt[kk + SHIFT_SIZE - STATE_SIZE] as number) ^ mixed(kk, kk + 1);
    mt[STATE_SIZE - 1] = (mt[SHIFT_SIZE - 1] as number) ^ mixed(STATE_SIZE - 1, 0);
    this.index = 0;
  }

  private nextUint32(): number {
    if (this.index >= STATE_SIZE) this.regenerate();
    let y = this.state[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
