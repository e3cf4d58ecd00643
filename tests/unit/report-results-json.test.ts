import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { pythonIsoformat } from '../../src/report/local-time.js';
import { buildResultsJson, ReportInputError } from '../../src/report/results-json.js';
import { reportInput } from '../fixtures/report/report-input.js';

/** Keys in order and value types, with every array element kept, so order and shape are both compared. */
function skeleton(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.map(skeleton);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, skeleton(v)]));
  }
  return typeof value;
}

function roundTrip(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

const expectedSkeleton: unknown = JSON.parse(
  readFileSync(new URL('../fixtures/report/results-skeleton.json', import.meta.url), 'utf8'),
);

describe('buildResultsJson', () => {
  it('matches the CoTLab results.json skeleton (key order included), our keys after CoTLab ones', () => {
    const built = roundTrip(buildResultsJson(reportInput()));
    // toEqual ignores key order; comparing the serialised skeletons does not.
    expect(JSON.stringify(skeleton(built))).toBe(JSON.stringify(expectedSkeleton));
  });

  it('fills CoTLab fields from the input', () => {
    const results = buildResultsJson(reportInput());
    expect(results.experiment).toBe('activation_compare');
    expect(results.model).toBe('demo/tiny-gemma');
    expect(results.prompt_strategy).toBe('histopathology');
    expect(results.metadata.start_time).toBe('2026-01-24T11:12:31.250000');
    expect(results.end_time).toBe('2026-01-24T11:14:17');
    expect(results.duration_seconds).toBe(106.25);
    expect(results.raw_outputs).toHaveLength(1);
    expect(results.raw_outputs[0].comparisons[0]?.mean_cosine_similarity).toBe(0.75);
    expect(results.app).toEqual({ name: 'cotlab-workbench', version: '0.1.0' });
  });

  it('without log_samples: one summary record per run and top-level num_samples = number of runs', () => {
    const results = buildResultsJson(reportInput());
    expect(results.num_samples).toBe(2);
    expect(results.samples).toEqual([
      { run_summary: results.raw_outputs[0].runs[0], idx: 0, timestamp: '2026-01-24T11:13:00.001000' },
      { run_summary: results.raw_outputs[0].runs[1], idx: 1, timestamp: '2026-01-24T11:14:16.999000' },
    ]);
  });

  it('with log_samples: each run\'s samples come before its summary, and num_samples counts all records', () => {
    const at = (s: number) => new Date(2026, 0, 24, 11, 13, s);
    const results = buildResultsJson(
      reportInput({
        sampleLog: [
          { run: 'histopathology', prompt: 'p53', system_prompt: 'You are a pathologist.', idx: 53, timestamp: at(1) },
          { run: 'histopathology', prompt: 'p274', system_prompt: 'You are a pathologist.', idx: 274, timestamp: at(2) },
          { run: 'radiology', prompt: 'r7', system_prompt: null, idx: 7, timestamp: at(3) },
          { run: 'radiology', prompt: 'r9', system_prompt: null, idx: 9, timestamp: at(4) },
        ],
      }),
    );
    expect(results.num_samples).toBe(6);
    const order = results.samples.map((record) => ('run_summary' in record ? `summary:${record.idx}` : `sample:${record.idx}`));
    expect(order).toEqual(['sample:53', 'sample:274', 'summary:0', 'sample:7', 'sample:9', 'summary:1']);
    expect(results.samples[0]).toEqual({
      run: 'histopathology',
      prompt: 'p53',
      system_prompt: 'You are a pathologist.',
      idx: 53,
      timestamp: '2026-01-24T11:13:01',
    });
    expect(Object.keys(results.samples[0] ?? {})).toEqual(['run', 'prompt', 'system_prompt', 'idx', 'timestamp']);
  });

  it('keeps logged samples of a run that never finished at the end', () => {
    const results = buildResultsJson(
      reportInput({
        status: 'Interrupted',
        runs: reportInput().runs.slice(0, 1),
        runTimestamps: reportInput().runTimestamps.slice(0, 1),
        sampleLog: [
          { run: 'histopathology', prompt: 'p', system_prompt: null, idx: 53, timestamp: new Date(2026, 0, 1) },
          { run: 'radiology', prompt: 'r', system_prompt: null, idx: 7, timestamp: new Date(2026, 0, 2) },
        ],
      }),
    );
    expect(results.samples.map((r) => r.idx)).toEqual([53, 0, 7]);
  });

  it('writes runs and comparisons in CoTLab key order whatever the input order', () => {
    const [first, second] = reportInput().runs;
    if (first === undefined || second === undefined) throw new Error('fixture has two runs');
    const { name, ...rest } = first;
    const results = buildResultsJson(reportInput({ runs: [{ ...rest, name }, second] }));
    expect(Object.keys(results.raw_outputs[0].runs[0] ?? {})).toEqual([
      'name', 'dataset', 'prompt', 'num_samples', 'seed', 'pooling', 'layer_indices', 'mean_activation_norms',
      'system_prompt', 'sample_indices',
    ]);
  });

  it("leaves per-layer arrays out when they were not stored, and still names the engine's top layers", () => {
    const [comparison] = reportInput().comparisons;
    if (comparison === undefined) throw new Error('fixture has one comparison');
    const { layer_cosine_similarity: _c, layer_l2_distance: _l, ...summaryOnly } = comparison;
    const results = buildResultsJson(reportInput({ comparisons: [summaryOnly] }));
    expect(Object.keys(results.raw_outputs[0].comparisons[0] ?? {})).toEqual([
      'run_a', 'run_b', 'layer_indices', 'mean_cosine_similarity', 'mean_l2_distance',
    ]);
    expect(results.analysis.pairs[0]?.lowest_cosine_layers.map((score) => score.layer)).toEqual([1, 2, 0]);
  });

  it('analysis lists the lowest-cosine and highest-L2 layers per pair', () => {
    const { analysis } = buildResultsJson(reportInput());
    expect(analysis.top_k).toBe(5);
    expect(analysis.pairs[0]?.lowest_cosine_layers).toEqual([
      { layer: 1, cosine_similarity: 0.5 },
      { layer: 2, cosine_similarity: 0.85 },
      { layer: 0, cosine_similarity: 0.9 },
    ]);
    expect(analysis.pairs[0]?.highest_l2_layers.map((s) => s.layer)).toEqual([1, 2, 0]);
  });

  it('rejects a run timestamp list that does not match the runs', () => {
    expect(() => buildResultsJson(reportInput({ runTimestamps: [] }))).toThrow(ReportInputError);
  });
});

describe('pythonIsoformat', () => {
  it('writes local time with microseconds like datetime.isoformat()', () => {
    expect(pythonIsoformat(new Date(2026, 0, 24, 10, 53, 51, 123))).toBe('2026-01-24T10:53:51.123000');
    expect(pythonIsoformat(new Date(2026, 2, 5, 4, 5, 6, 7))).toBe('2026-03-05T04:05:06.007000');
  });

  it('drops the fraction when it is zero, as Python does', () => {
    expect(pythonIsoformat(new Date(2026, 0, 24, 10, 53, 51, 0))).toBe('2026-01-24T10:53:51');
  });
});
