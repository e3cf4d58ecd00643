import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { composeConfig, loadSavedConfig } from '../../src/config/compose.js';
import { ConfigValidationError } from '../../src/config/errors.js';
import { parseJsonExact, stringifyJsonExact } from '../../src/config/exact-json.js';
import { formatOverrideValue, parseOverrideValue } from '../../src/config/overrides.js';
import { reproduceOverrides } from '../../src/config/reproduce.js';
import { toYaml } from '../../src/config/to-yaml.js';
import { resolveVariants } from '../../src/config/variants.js';
import { selectSampleIndices } from '../../src/datasets/sampling.js';

const configDir = fileURLToPath(new URL('../../configs', import.meta.url));
const compose = (...overrides: string[]) => composeConfig({ configDir, overrides });

// CPython's random.sample results (scripts/make-sampling-vectors.py) and the analysis streams' Python port
// (tests/fixtures/analytics/make_expected.py).
const sampling = JSON.parse(readFileSync(new URL('../fixtures/datasets/sampling-vectors.json', import.meta.url), 'utf8')) as {
  sample: Array<{ n: number; k: number; seed: string; result: number[] }>;
};
const streams = JSON.parse(readFileSync(new URL('../fixtures/analytics/expected.json', import.meta.url), 'utf8')) as {
  rng: { anySeedUint32: Array<{ seed: string; stream: number[]; values: number[] }> };
};

function cpythonSample(n: number, k: number, seed: bigint): number[] {
  const found = sampling.sample.find((entry) => entry.n === n && entry.k === k && BigInt(entry.seed) === seed);
  if (found === undefined) throw new Error(`no CPython vector for n=${n}, k=${k}, seed=${seed}`);
  return found.result;
}

function pythonStream(seed: bigint, stream: number[]): number[] {
  const found = streams.rng.anySeedUint32.find((entry) => BigInt(entry.seed) === seed && entry.stream.join() === stream.join());
  if (found === undefined) throw new Error(`no stream for seed ${seed}`);
  return found.values;
}

function validationMessage(...overrides: string[]): string {
  try {
    compose(...overrides);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.message;
    throw error;
  }
  throw new Error(`expected ${overrides.join(' ')} to be refused`);
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('seeds of any size, from the config to the samples and the analysis streams', () => {
  for (const [label, digits, stream] of [
    ['2^40', '1099511627776', [7, 1]],
    ['2^70', '1180591620717411303424', [3, 2]],
  ] as const) {
    it(`carries a ${label} seed exactly from an override to CPython's samples and the analysis streams`, () => {
      const config = compose(`experiment.seed=${digits}`);
      const exact = BigInt(digits);
      // A number while exact (2^40), a BigInt beyond 2^53 (2^70).
      expect(config.experiment.seed).toBe(Number.isSafeInteger(Number(exact)) ? Number(exact) : exact);
      const variants = resolveVariants(config);
      expect(variants.map((variant) => BigInt(variant.seed))).toEqual([exact, exact]);
      const seed = variants[0]?.seed ?? 0;
      expect(selectSampleIndices(600, 20, seed)).toEqual(cpythonSample(600, 20, exact));
      const rng = createSeededRng(seed, ...stream);
      expect(pythonStream(exact, [...stream]).map(() => rng.nextUint32())).toEqual(pythonStream(exact, [...stream]));
    });
  }

  it('keeps a 2^70 seed through a YAML config, config.json, the reproduce overrides and YAML output', () => {
    const dir = mkdtempSync(join(tmpdir(), 'seeds-'));
    tempDirs.push(dir);
    const config = compose('experiment.seed=1180591620717411303424', 'experiment.variants.1.seed=-5');
    const asJson = stringifyJsonExact(config, 2);
    expect(asJson).toContain('"seed": 1180591620717411303424');
    writeFileSync(join(dir, 'config.json'), asJson);
    expect(loadSavedConfig(join(dir, 'config.json'), [])).toEqual(config);
    writeFileSync(join(dir, 'config.yaml'), toYaml(config));
    expect(toYaml(config)).toContain('seed: 1180591620717411303424');
    expect(loadSavedConfig(join(dir, 'config.yaml'), [])).toEqual(config);
    const overrides = reproduceOverrides(config, configDir);
    expect(overrides).toContain('experiment.seed=1180591620717411303424');
    expect(overrides).toContain('experiment.variants.1.seed=-5');
    expect(compose(...overrides)).toEqual(config);
  });

  it('samples a negative seed as CPython does: like its absolute value', () => {
    const config = compose('experiment.seed=-5');
    expect(config.experiment.seed).toBe(-5);
    expect(selectSampleIndices(600, 20, config.experiment.seed)).toEqual(cpythonSample(600, 20, -5n));
    expect(cpythonSample(600, 20, -5n)).toEqual(cpythonSample(600, 20, 5n));
  });

  it('refuses a seed that is not a whole number, saying what it got', () => {
    expect(validationMessage('experiment.seed=1.5')).toMatch(/experiment\.seed.*a seed must be a whole number \(any size, negative allowed\), got 1\.5/);
    expect(validationMessage('experiment.seed=abc')).toMatch(/got the text 'abc'/);
    expect(validationMessage('experiment.variants.0.seed=1e20')).toMatch(/experiment\.variants\.0\.seed.*give its digits/);
  });
});

describe('exact JSON and override values', () => {
  it('reads and writes integers beyond 2^53 exactly and leaves everything else to JSON', () => {
    const text = '{"a": 1180591620717411303424, "b": [-9007199254740993, 5, 1.5e300, "12345678901234567890"], "c": 9007199254740991}';
    const value = parseJsonExact(text);
    expect(value).toEqual({ a: 2n ** 70n, b: [-9007199254740993n, 5, 1.5e300, '12345678901234567890'], c: 9007199254740991 });
    expect(parseJsonExact(stringifyJsonExact(value))).toEqual(value);
    expect(stringifyJsonExact({ seed: -(2n ** 70n) }, 1)).toBe('{\n "seed": -1180591620717411303424\n}');
    expect(() => parseJsonExact('{12345678901234567890: 1}')).toThrow(SyntaxError);
    expect(() => parseJsonExact('[12345678901234567890')).toThrow(SyntaxError);
  });

  it('types big integer overrides exactly and writes them back as digits', () => {
    expect(parseOverrideValue('1180591620717411303424')).toBe(2n ** 70n);
    expect(parseOverrideValue('[1, 36893488147419103232]')).toEqual([1, 2n ** 65n]);
    expect(parseOverrideValue('42')).toBe(42);
    expect(formatOverrideValue(2n ** 70n)).toBe('1180591620717411303424');
    expect(formatOverrideValue(-(2n ** 70n))).toBe('-1180591620717411303424');
  });
});
