import { describe, expect, it } from 'vitest';
import type { ProbeRecord } from '../../src/results/probe-record.js';
import type { HistoryStore } from '../../src/store/history-store.js';
import { StoreError } from '../../src/store/store-error.js';
import { newExperiment, newRun } from '../fixtures/store/sample-data.js';
import { freshHistoryEachTest } from '../fixtures/store/temp-db.js';

let store: HistoryStore;
freshHistoryEachTest((opened) => ({ store } = opened));

function record(run: string, labelField: string | null, seed: number | bigint = 42): ProbeRecord {
  return {
    run,
    label_field: labelField,
    created_at: '2026-12-03T10:00:00.000Z',
    samples: 3,
    classes: ['false', 'true'],
    class_counts: [1, 2],
    best_layer: 0,
    earliest_within_one_se: 0,
    layers_beyond_chance: [],
    settings: {
      folds: 2,
      inner_folds: 2,
      c_grid: [1],
      seed,
      bootstrap_resamples: 10,
      confidence_level: 0.95,
      significance_level: 0.05,
      permutations: 1000,
      permutation_rule: 'rule',
      ridge_lambda_per_sample: 1,
    },
    layers: [
      {
        layer: 0,
        accuracy: 0.5,
        accuracy_ci: [0.2, 0.8],
        balanced_accuracy: 0.5,
        balanced_accuracy_ci: [0.2, 0.8],
        macro_f1: 0.4,
        macro_f1_ci: [0.1, 0.7],
        fold_accuracies: [0.5, 0.5],
        accuracy_se: 0,
        majority_accuracy: 0.66,
        control_accuracy: 0.5,
        selectivity: 0,
        chosen_c: [1, 1],
        confusion: [
          [0, 1],
          [0, 2],
        ],
        ridge_accuracy: 0.5,
        p_value: 0.6,
        p_value_holm: 0.6,
        unconverged_fits: 0,
      },
    ],
  };
}

describe('stored probes', () => {
  it('keeps each probe of a run with its experiment, exactly as written, big seeds included', () => {
    const experimentId = store.createExperiment(newExperiment());
    const runId = store.createRun(experimentId, newRun());
    store.saveProbe(experimentId, runId, record('histopathology', null));
    store.saveProbe(experimentId, runId, record('histopathology', 'model_id', 2n ** 70n));
    const probes = store.getProbes(experimentId);
    expect(probes.map((probe) => [probe.runName, probe.labelField])).toEqual([
      ['histopathology', null],
      ['histopathology', 'model_id'],
    ]);
    expect(probes[1]?.record).toEqual(record('histopathology', 'model_id', 2n ** 70n));
  });

  it('refuses a run of another experiment, and goes with its experiment when that is deleted', () => {
    const first = store.createExperiment(newExperiment());
    const second = store.createExperiment(newExperiment());
    const runOfSecond = store.createRun(second, newRun());
    expect(() => store.saveProbe(first, runOfSecond, record('x', null))).toThrow(StoreError);
    store.saveProbe(second, runOfSecond, record('histopathology', null));
    store.finishExperiment(second, { status: 'completed', endedAt: new Date(), durationS: 1 });
    expect(store.deleteExperiment(second)).toBe(true);
    expect(store.getProbes(first)).toEqual([]);
  });
});
