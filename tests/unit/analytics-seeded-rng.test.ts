import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnalysisInputError } from '../../src/analytics/errors.js';
import { createSeededRng, shuffleInPlace, xoshiro128StarStar } from '../../src/analytics/seeded-rng.js';

// Produced by the independent Python port in tests/fixtures/analytics/make_expected.py.
const reference = JSON.parse(readFileSync(new URL('../fixtures/analytics/expected.json', import.meta.url), 'utf8')) as {
  rng: {
    seed42Uint32: number[];
    seed42Stream7_1Uint32: number[];
    seed123NextInt10: number[];
    seed5Shuffle10: number[];
    anySeedUint32: Array<{ seed: string; stream: number[]; values: number[] }>;
  };
};

describe('xoshiro128StarStar', () => {
  it('matches the reference implementation from state {1, 2, 3, 4}', () => {
    // First outputs of Blackman & Vigna's xoshiro128starstar.c seeded with s = {1, 2, 3, 4}.
    const rng = xoshiro128StarStar([1, 2, 3, 4]);
    expect(Array.from({ length: 6 }, () => rng.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('refuses the all-zero state', () => {
    expect(() => xoshiro128StarStar([0, 0, 0, 0])).toThrow(AnalysisInputError);
  });
});

describe('createSeededRng', () => {
  it('reproduces the Python port for a seed and for a seed with stream keys', () => {
    const plain = createSeededRng(42);
    expect(reference.rng.seed42Uint32.map(() => plain.nextUint32())).toEqual(reference.rng.seed42Uint32);
    const stream = createSeededRng(42, 7, 1);
    expect(reference.rng.seed42Stream7_1Uint32.map(() => stream.nextUint32())).toEqual(reference.rng.seed42Stream7_1Uint32);
  });

  it('draws bounded integers and shuffles like the Python port', () => {
    const draws = createSeededRng(123);
    expect(reference.rng.seed123NextInt10.map(() => draws.nextInt(10))).toEqual(reference.rng.seed123NextInt10);
    expect(shuffleInPlace(Array.from({ length: 10 }, (_, i) => i), createSeededRng(5))).toEqual(reference.rng.seed5Shuffle10);
  });

  it('gives different streams for different stream keys and floats in [0, 1)', () => {
    const first = createSeededRng(42, 3, 1).nextUint32();
    const second = createSeededRng(42, 3, 2).nextUint32();
    expect(first).not.toBe(second);
    const rng = createSeededRng(1);
    for (let i = 0; i < 1000; i++) {
      const value = rng.nextFloat();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('takes any integer seed, negative or beyond 32 and 64 bits, like the Python port', () => {
    for (const { seed, stream, values } of reference.rng.anySeedUint32) {
      const exact = BigInt(seed);
      const asNumber = Number(exact);
      const rng = createSeededRng(Number.isSafeInteger(asNumber) ? asNumber : exact, ...stream);
      expect(values.map(() => rng.nextUint32()), `seed ${seed}, stream ${stream.join(',')}`).toEqual(values);
    }
  });

  it('gives a seed the same streams as a number or a BigInt, and -n other streams than n', () => {
    expect(createSeededRng(5n, 3, 1).nextUint32()).toBe(createSeededRng(5, 3, 1).nextUint32());
    expect(createSeededRng(2n ** 40n).nextUint32()).toBe(createSeededRng(2 ** 40).nextUint32());
    expect(createSeededRng(-5).nextUint32()).not.toBe(createSeededRng(5).nextUint32());
  });

  it('rejects fractional seeds, numbers beyond exact integers, bad stream keys and empty ranges', () => {
    expect(() => createSeededRng(1.5)).toThrow(/whole number/);
    expect(() => createSeededRng(2 ** 60)).toThrow(AnalysisInputError);
    expect(() => createSeededRng(1, -1)).toThrow(/stream key 0 must be a whole number from 0 to 4294967295/);
    expect(() => createSeededRng(1).nextInt(0)).toThrow(/range from 1/);
  });
});
