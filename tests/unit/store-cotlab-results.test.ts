import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cotlabTime, CotlabResultsError, parseCotlabResults } from '../../src/store/cotlab-results.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'store', 'cotlab-results.json');

interface MutableResults {
  raw_outputs: { runs: Record<string, unknown>[]; comparisons: Record<string, unknown>[] }[];
  [key: string]: unknown;
}

function fixture(): MutableResults {
  return JSON.parse(readFileSync(FIXTURE, 'utf8')) as MutableResults;
}

function failure(json: unknown): CotlabResultsError {
  try {
    parseCotlabResults(json, '/runs/results.json');
  } catch (error) {
    if (error instanceof CotlabResultsError) return error;
    throw error;
  }
  throw new Error('expected the results to be rejected');
}

describe('parseCotlabResults', () => {
  it('reads the runs and comparisons of a results.json', () => {
    const results = parseCotlabResults(fixture(), '/runs/results.json');
    expect(results.raw_outputs[0].runs.map((run) => run.name)).toEqual(['histopathology', 'radiology']);
    expect(results.raw_outputs[0].comparisons[0]?.layer_l2_distance).toEqual([10, 90, 200]);
  });

  it('accepts comparisons without per-layer values (store_per_layer: false), but not half of them', () => {
    const json = fixture();
    const comparison = json.raw_outputs[0]?.comparisons[0];
    delete comparison?.layer_cosine_similarity;
    const error = failure(json);
    expect(error.field).toBe('raw_outputs.0.comparisons.0.layer_indices');
    expect(error.message).toContain('needs one cosine and one L2 value per layer index, or neither');
    expect(error.sourcePath).toBe('/runs/results.json');
    delete comparison?.layer_l2_distance;
    expect(parseCotlabResults(json, '/runs/results.json').raw_outputs[0].comparisons[0]?.layer_cosine_similarity).toBeUndefined();
  });

  it('reads zone-less times as CoTLab wrote them, the same in every time zone', () => {
    expect(cotlabTime('2026-01-24T10:53:51.123456').toISOString()).toBe('2026-01-24T10:53:51.123Z');
    expect(cotlabTime('2026-01-24T10:53:51+02:00').toISOString()).toBe('2026-01-24T08:53:51.000Z');
    expect(cotlabTime('2026-01-24T10:53:51Z').toISOString()).toBe('2026-01-24T10:53:51.000Z');
  });

  it('rejects a norm list that does not match the layers', () => {
    const json = fixture();
    json.raw_outputs[0]!.runs[1]!.mean_activation_norms = [1, 2];
    expect(failure(json).field).toBe('raw_outputs.0.runs.1.mean_activation_norms');
  });

  it('rejects a comparison naming a run that is not in the file', () => {
    const json = fixture();
    json.raw_outputs[0]!.comparisons[0]!.run_b = 'cardiology';
    const error = failure(json);
    expect(error.field).toBe('raw_outputs.0.comparisons.0.run_b');
    expect(error.message).toContain('"cardiology"');
  });

  it('rejects the later single-condition layout, whose raw_outputs is an object', () => {
    const json = fixture();
    json.raw_outputs = { mean_activations_per_layer: {} } as unknown as MutableResults['raw_outputs'];
    expect(failure(json).field).toBe('raw_outputs');
  });

  it('rejects something that is not a results.json at all', () => {
    expect(failure([1, 2, 3]).field).toBe('(top level)');
  });
});
