import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PythonRandom, sampleSetSize } from '../../src/datasets/python-random.js';

/** Vectors printed by CPython (scripts/make-sampling-vectors.py); seeds and big integers are decimal strings. */
interface SamplingVectors {
  python_version: string;
  random: { seed: string; values: number[] }[];
  getrandbits: { seed: string; draws: { k: number; value: string }[] }[];
  sample: { n: number; k: number; seed: string; branch: 'pool' | 'set'; result: number[] }[];
  setsize: { k: number; setsize: number }[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/datasets/sampling-vectors.json', import.meta.url), 'utf8'),
) as SamplingVectors;

describe('PythonRandom matches CPython', () => {
  it('covers both random.sample branches', () => {
    const branches = new Set(vectors.sample.map((vector) => vector.branch));
    expect(branches).toEqual(new Set(['pool', 'set']));
  });

  it.each(vectors.random)('random() after seed($seed)', ({ seed, values }) => {
    const rng = new PythonRandom(BigInt(seed));
    expect(values.map(() => rng.random())).toEqual(values);
  });

  it.each(vectors.getrandbits)('getrandbits(k) after seed($seed)', ({ seed, draws }) => {
    const rng = new PythonRandom(BigInt(seed));
    expect(draws.map(({ k }) => rng.getrandbits(k).toString())).toEqual(draws.map(({ value }) => value));
  });

  it.each(vectors.sample)('sample(range($n), $k) after seed($seed) [$branch]', ({ n, k, seed, result }) => {
    expect(new PythonRandom(BigInt(seed)).sample(n, k)).toEqual(result);
  });

  it.each(vectors.setsize)('sample set-size threshold for k=$k', ({ k, setsize }) => {
    expect(sampleSetSize(k)).toBe(setsize);
  });

  it('reproduces the CoTLab-logged order for n=100, k=10, seed=42', () => {
    expect(new PythonRandom(42).sample(100, 10)).toEqual([81, 14, 3, 94, 35, 31, 28, 17, 13, 86]);
    expect(new PythonRandom(123).sample(600, 50).slice(0, 5)).toEqual([53, 274, 89, 417, 272]);
  });

  it('seeds a negative number like its absolute value and a number like the same bigint', () => {
    expect(new PythonRandom(-7).sample(600, 20)).toEqual(new PythonRandom(7).sample(600, 20));
    expect(new PythonRandom(2 ** 63).random()).toBe(new PythonRandom(2n ** 63n).random());
  });

  it('continues the stream across calls like one Random instance', () => {
    const rng = new PythonRandom(42);
    const first = rng.sample(100, 10);
    expect(rng.sample(100, 10)).not.toEqual(first);
  });

  it('rejects what CPython rejects', () => {
    const rng = new PythonRandom(0);
    expect(() => rng.sample(5, 6)).toThrow(/larger than population/);
    expect(() => rng.sample(5, -1)).toThrow(/negative/);
    expect(() => rng.getrandbits(-1)).toThrow(RangeError);
    expect(() => rng.randBelow(0)).toThrow(RangeError);
    expect(() => new PythonRandom(1.5)).toThrow(/whole number/);
  });
});
