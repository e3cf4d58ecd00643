import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { answerFindings, sortClasses, type AnsweredRun } from '../../src/analytics/answer-findings.js';
import { bootstrapScores, labelledScores } from '../../src/analytics/classification-metrics.js';
import { mcnemarExactP } from '../../src/analytics/mcnemar.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import type { SampleAnswer } from '../../src/results/answers.js';

/** scikit-learn and SciPy values: tests/fixtures/classification/make_expected.py (no Python needed here). */
const IntervalSchema = z.object({ low: z.number(), high: z.number() }).nullable();
const ExpectedSchema = z.object({
  replicates: z.number(),
  seed: z.number(),
  cases: z.array(
    z.object({
      name: z.string(),
      gold: z.array(z.string()),
      predicted: z.array(z.string()),
      labels: z.array(z.string()),
      expected: z.object({
        accuracy: z.number(),
        balanced_accuracy: z.number(),
        balanced_accuracy_sklearn: z.number().nullable(),
        macro_f1: z.number(),
        precision: z.array(z.number()),
        recall: z.array(z.number()),
        f1: z.array(z.number()),
        support: z.array(z.number()),
        confusion: z.array(z.array(z.number())),
        bootstrap: z.object({
          accuracy: IntervalSchema,
          balanced_accuracy: IntervalSchema,
          macro_f1: IntervalSchema,
          precision: z.array(IntervalSchema),
          recall: z.array(IntervalSchema),
        }),
      }),
    }),
  ),
  mcnemar: z.array(z.object({ only_a: z.number(), only_b: z.number(), p_value: z.number() })),
});
const fixture = ExpectedSchema.parse(JSON.parse(readFileSync('tests/fixtures/classification/expected.json', 'utf8')));
const close = (actual: number | null, expected: number) => expect(actual).toBeCloseTo(expected, 12);

describe.each(fixture.cases.map((entry, index) => ({ ...entry, index })))('classification metrics: $name', ({ gold, predicted, labels, expected, index }) => {
  it('equal scikit-learn\'s accuracy, balanced accuracy, macro-F1, per-class precision/recall/F1 and confusion matrix', () => {
    const scores = labelledScores(gold, predicted, labels);
    close(scores.accuracy, expected.accuracy);
    close(scores.balancedAccuracy, expected.balanced_accuracy);
    if (expected.balanced_accuracy_sklearn !== null) close(scores.balancedAccuracy, expected.balanced_accuracy_sklearn);
    close(scores.macroF1, expected.macro_f1);
    scores.perClass.forEach((entry, k) => {
      close(entry.precision, expected.precision[k]!);
      close(entry.recall, expected.recall[k]!);
      close(entry.f1, expected.f1[k]!);
      expect(entry.support).toBe(expected.support[k]);
    });
    expect(scores.confusion).toEqual(expected.confusion);
  });

  it('bootstrap intervals equal scikit-learn on the same seeded resamples', () => {
    const intervals = bootstrapScores(gold, predicted, labels, fixture.replicates, createSeededRng(fixture.seed, index, 1), 0.95);
    const same = (actual: { low: number; high: number } | null, wanted: { low: number; high: number } | null) => {
      if (wanted === null) return expect(actual).toBeNull();
      close(actual!.low, wanted.low);
      close(actual!.high, wanted.high);
    };
    same(intervals.accuracy, expected.bootstrap.accuracy);
    same(intervals.balancedAccuracy, expected.bootstrap.balanced_accuracy);
    same(intervals.macroF1, expected.bootstrap.macro_f1);
    labels.forEach((_, k) => {
      same(intervals.precision[k]!, expected.bootstrap.precision[k]!);
      same(intervals.recall[k]!, expected.bootstrap.recall[k]!);
    });
  });
});

describe("McNemar's exact test", () => {
  it.each(fixture.mcnemar)('b=$only_a, c=$only_b equals SciPy binomtest', ({ only_a: b, only_b: c, p_value: p }) => {
    expect(mcnemarExactP(b, c)).toBeCloseTo(p, 12);
  });
});

function answer(gold: string | null, predicted: string | null): SampleAnswer {
  return {
    rawOutput: '',
    generatedTokens: 1,
    stopReason: 'eos',
    parseStatus: predicted === null ? 'malformed' : 'parsed',
    parseDetail: null,
    parsedValue: predicted,
    predicted,
    gold,
    correct: predicted === null || gold === null ? null : predicted === gold,
  };
}

describe('answer findings', () => {
  const gold = ['true', 'false', 'true', 'true', 'false', 'true', 'false', 'false'];
  const runA: AnsweredRun = {
    name: 'standard',
    datasetHash: 'h',
    datasetIndices: [3, 1, 4, 1, 5, 9, 2, 6],
    classes: ['false', 'true'],
    answers: gold.map((label, at) => answer(label, at === 2 ? null : label)),
  };
  const runB: AnsweredRun = { ...runA, name: 'contrarian', answers: gold.map((label, at) => answer(label, at < 4 ? 'false' : label)) };
  const other: AnsweredRun = { ...runA, name: 'other data', datasetHash: 'k' };

  it('score parsed samples only, count parse failures apart, and test pairs with Holm across them', () => {
    const findings = answerFindings([runA, runB, other], [[0, 1], [0, 2], [1, 2]], { bootstrapResamples: 200, seed: 7 });
    const [a, b] = findings.variants;
    expect(a).toMatchObject({ samples: 8, scored: 7, correct: 7, parse_failures: { malformed: 1 }, labels: ['false', 'true'] });
    expect(a!.accuracy.value).toBe(1);
    expect(a!.parse_failure_rate.value).toBe(1 / 8);
    expect(b!.accuracy.value).toBe(5 / 8);
    expect(b!.accuracy.ci!.low).toBeLessThanOrEqual(5 / 8);
    expect(b!.accuracy.ci!.high).toBeGreaterThanOrEqual(5 / 8);
    const [ab, ac] = findings.mcnemar;
    // Sample 2 is unreadable in A, so it is left out; B is wrong on samples 0 and 3 where A is right.
    expect(ab).toMatchObject({ paired_samples: 7, excluded: 1, both_correct: 5, only_a_correct: 2, only_b_correct: 0, both_wrong: 0, not_tested: null });
    expect(ab!.p_value).toBe(mcnemarExactP(2, 0));
    expect(ac!.not_tested).toMatch(/same samples/);
    const tested = findings.mcnemar.filter((test) => test.not_tested === null);
    expect(tested.map((test) => test.p_value_holm)).toEqual(tested.map((test) => Math.min(1, test.p_value * tested.length)));
    // Seeded: the same findings again.
    expect(answerFindings([runA, runB, other], [[0, 1], [0, 2], [1, 2]], { bootstrapResamples: 200, seed: 7 })).toEqual(findings);
  });

  it('orders classes by number, then text', () => {
    expect(sortClasses(['10', '2', 'true', 'false', '0'])).toEqual(['0', '2', '10', 'false', 'true']);
  });
});
