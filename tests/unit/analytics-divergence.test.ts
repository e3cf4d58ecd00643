import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analysePair, type PairAnalysisInput } from '../../src/analytics/divergence.js';
import { AnalysisInputError } from '../../src/analytics/errors.js';
import type { SampleLabel } from '../../src/analytics/label-breakdown.js';

interface FixtureRun {
  name: string;
  vectorsByLayer: number[][][];
  labels: SampleLabel[];
}

interface FixtureCase {
  name: string;
  input: {
    a: FixtureRun;
    b: FixtureRun;
    layers: number[];
    paired: boolean;
    options: { nBoot: number; nPerm: number; seed: number };
    centreByLayer: number[][] | null;
  };
  expected: Array<Record<string, unknown>>;
}

// Reference values computed the direct way with NumPy by tests/fixtures/analytics/make_expected.py.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/analytics/expected.json', import.meta.url), 'utf8')) as {
  cases: FixtureCase[];
};

function toRun(run: FixtureRun): PairAnalysisInput['a'] {
  return {
    name: run.name,
    vectorsByLayer: run.vectorsByLayer.map((samples) => samples.map((vector) => Float32Array.from(vector))),
    labels: run.labels,
  };
}

function toInput(fixtureCase: FixtureCase): PairAnalysisInput {
  const { input } = fixtureCase;
  return {
    a: toRun(input.a),
    b: toRun(input.b),
    layers: input.layers,
    paired: input.paired,
    options: input.options,
    ...(input.centreByLayer === null ? {} : { centreByLayer: input.centreByLayer }),
  };
}

/** Deep comparison with a relative tolerance for every number. */
function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    expect(Math.abs((actual as number) - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((item, i) => expectClose((actual as unknown[])[i], item, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    for (const [key, value] of Object.entries(expected)) {
      expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  } else {
    expect(actual, path).toEqual(expected);
  }
}

const byName = (name: string): FixtureCase => {
  const found = fixture.cases.find((c) => c.name === name);
  if (found === undefined) throw new Error(`fixture case ${name} missing`);
  return found;
};

describe('analysePair against NumPy reference values', () => {
  for (const fixtureCase of fixture.cases) {
    it(`matches every per-layer value (${fixtureCase.name})`, () => {
      const analysis = analysePair(toInput(fixtureCase));
      expect(analysis.layers).toEqual(fixtureCase.input.layers);
      expect(analysis.perLayer).toHaveLength(fixtureCase.expected.length);
      fixtureCase.expected.forEach((expectedLayer, k) => {
        expectClose(analysis.perLayer[k], expectedLayer, `${fixtureCase.name}.perLayer[${k}]`);
      });
    });
  }

  it('records the settings and is plain JSON', () => {
    const analysis = analysePair(toInput(byName('unpaired')));
    expect(analysis).toMatchObject({
      runA: 'histopathology',
      runB: 'radiology',
      paired: false,
      sizeA: 7,
      sizeB: 5,
      hiddenSize: 6,
      options: { nBoot: 200, nPerm: 200, seed: 42 },
      confidenceLevel: 0.95,
      resampling: 'independent',
      centred: true,
    });
    expect(JSON.parse(JSON.stringify(analysis))).toEqual(analysis);
  });

  it('is reproducible for a seed and changes with the seed', () => {
    const input = toInput(byName('unpaired'));
    const first = analysePair(input);
    const again = analysePair(input);
    const otherSeed = analysePair({ ...input, options: { nBoot: 200, nPerm: 200, seed: 43 } });
    expect(again).toEqual(first);
    expect(otherSeed.perLayer[0]?.cosineCi).not.toEqual(first.perLayer[0]?.cosineCi);
  });

  it('gives each layer its own random stream, independent of which other layers are analysed', () => {
    const input = toInput(byName('unpaired'));
    const both = analysePair(input);
    const secondOnly = analysePair({
      ...input,
      a: { ...input.a, vectorsByLayer: input.a.vectorsByLayer.slice(1) },
      b: { ...input.b, vectorsByLayer: input.b.vectorsByLayer.slice(1) },
      layers: input.layers.slice(1),
      centreByLayer: input.centreByLayer?.slice(1),
    });
    expect(secondOnly.perLayer[0]).toEqual(both.perLayer[1]);
  });

  it('uses defaults of 1000 resamples and seed 42, skips resampling when asked, and leaves centring out without a centre', () => {
    const { centreByLayer: _unused, ...input } = toInput(byName('paired'));
    expect(analysePair({ ...input, options: {} }).options).toEqual({ nBoot: 1000, nPerm: 1000, seed: 42 });
    const layer = analysePair({ ...input, options: { nBoot: 0, nPerm: 0 } }).perLayer[0];
    expect(layer?.cosineCi).toBeNull();
    expect(layer?.l2Ci).toBeNull();
    expect(layer?.pValue).toBeNull();
    expect(layer?.centredCosine).toBeNull();
  });

  it('finds no difference between a run and itself', () => {
    const input = toInput(byName('unpaired'));
    const layer = analysePair({ ...input, b: { ...input.a, name: 'copy' }, paired: true }).perLayer[0];
    expect(layer?.l2).toBe(0);
    expect(layer?.cosine).toBeCloseTo(1, 12);
    expect(layer?.pValue).toBe(1);
    expect(layer?.paired?.cka).toBeCloseTo(1, 12);
    expect(layer?.paired?.sampleCosine.min).toBeCloseTo(1, 12);
    expect(layer?.direction.cohensD).toBeNull();
  });
});

describe('analysePair input checks', () => {
  const input = toInput(byName('unpaired'));

  it('rejects a paired analysis of runs with different sample counts', () => {
    expect(() => analysePair({ ...input, paired: true })).toThrow(/same samples in both runs/);
  });

  it('rejects a paired analysis whose dataset indices differ', () => {
    const paired = toInput(byName('paired'));
    const call = (): unknown =>
      analysePair({
        ...paired,
        a: { ...paired.a, sampleIndices: [0, 1, 2, 3, 4, 5] },
        b: { ...paired.b, sampleIndices: [0, 1, 2, 9, 4, 5] },
      });
    expect(call).toThrow(AnalysisInputError);
    expect(call).toThrow(/differ at sample 3/);
  });

  it('names the run, layer and sample of a vector of the wrong length', () => {
    const vectors = input.b.vectorsByLayer.map((samples) => [...samples]);
    (vectors[1] as Float32Array[])[2] = new Float32Array(5);
    try {
      analysePair({ ...input, b: { ...input.b, vectorsByLayer: vectors } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AnalysisInputError);
      expect((error as AnalysisInputError).context).toEqual({ run: 'radiology', layer: 5, sample: 2 });
      expect((error as Error).message).toBe('Run "radiology", layer 5, sample 2: vector has 5 values, expected 6.');
    }
  });

  it('rejects mismatched layer counts, label counts, centres and options', () => {
    expect(() => analysePair({ ...input, layers: [3] })).toThrow(/vectors for 2 layers but 1 layers/);
    expect(() => analysePair({ ...input, a: { ...input.a, labels: [1] } })).toThrow(/1 labels for 7 samples/);
    expect(() => analysePair({ ...input, centreByLayer: [[1, 2]] })).toThrow(/centre for layer 3 has 2 values/);
    expect(() => analysePair({ ...input, options: { nBoot: -1 } })).toThrow(/options.nBoot must be a whole number/);
    expect(() => analysePair({ ...input, layers: [] })).toThrow(/No layers/);
    expect(() => analysePair({ ...input, b: { ...input.b, sampleIndices: [1, 2] } })).toThrow(/2 sample indices for 5 samples/);
  });
});
