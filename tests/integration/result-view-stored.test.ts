import { describe, expect, it } from 'vitest';
import type { HistoryStore } from '../../src/store/history-store.js';
import { PartialRunMeans } from '../../src/experiments/partial-run-means.js';
import { storedResultSet } from '../../src/services/result-view.js';
import { newExperiment, newRun, sampleToRecord } from '../fixtures/store/sample-data.js';
import { freshHistoryEachTest } from '../fixtures/store/temp-db.js';
import { pairInput } from '../helpers/pair-input.js';

let store: HistoryStore;
freshHistoryEachTest((opened) => ({ store } = opened));

/** A completed two-run experiment whose pair was analysed with the given settings. */
function analysedExperiment(experiment = newExperiment()): number {
  const experimentId = store.createExperiment(experiment);
  const runA = store.createRun(experimentId, newRun({ numSamplesPlanned: 1, sampleIndices: [100] }));
  const runB = store.createRun(experimentId, newRun({ name: 'radiology', seed: null, numSamplesPlanned: 1, sampleIndices: [100] }));
  for (const runId of [runA, runB]) {
    store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
    store.completeRun(runId, { layerMeans: [0, 1, 2].map(() => new Float32Array(8)), norms: [1, 2, 3] });
  }
  store.saveComparisons(experimentId, [
    pairInput(
      runA,
      runB,
      [
        { layer: 0, cosine: 0.9, l2: 1, pValue: 0.01, cosineCiLow: 0.8, cosineCiHigh: 0.95 },
        { layer: 1, cosine: 0.4, l2: 5, pValue: 0.3, cosineCiLow: 0.3, cosineCiHigh: 0.5 },
        { layer: 2, cosine: 0.6, l2: 3, pValue: 0.02, cosineCiLow: 0.5, cosineCiHigh: 0.7 },
      ],
      { n_boot: 250, confidence_level: 0.9, n_perm: 4999, significance_level: 0.05, seed: 123456789, resampling: 'paired' },
    ),
  ]);
  store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 2 });
  return experimentId;
}

describe('a stored experiment as the Results screen receives it', () => {
  it('states the analysis settings stored with the pair, not the engine defaults of today', () => {
    const result = storedResultSet(store, store.getExperiment(analysedExperiment()), new PartialRunMeans());
    expect(result.comparisons[0]?.analysis).toEqual({
      confidenceLevel: 0.9,
      bootstrapResamples: 250,
      permutations: 4999,
      significanceLevel: 0.05,
      seed: 123456789,
      resampling: 'paired',
    });
  });

  it("shows the pair's stored findings and Holm-adjusted p-values", () => {
    const [pair] = storedResultSet(store, store.getExperiment(analysedExperiment()), new PartialRunMeans()).comparisons;
    // Holm over three layers: 0.01·3 = 0.03, 0.02·2 = 0.04, max(0.04, 0.3) = 0.3.
    expect(pair?.layers.map((layer) => layer.pValueHolm)).toEqual([0.03, 0.3, 0.04].map((p) => expect.closeTo(p, 12)));
    expect(pair?.findings).toMatchObject({
      lowestCosineLayers: [{ layer: 1, value: 0.4 }, { layer: 2, value: 0.6 }, { layer: 0, value: 0.9 }],
      layersBeyondChance: [0, 2],
      testedLayers: 3,
      significanceLevel: 0.05,
    });
    expect(pair?.meanCosineSimilarity).toBeCloseTo((0.9 + 0.4 + 0.6) / 3, 12);
  });

  it('leaves a seed or pooling that was not recorded empty instead of inventing one', () => {
    const result = storedResultSet(store, store.getExperiment(analysedExperiment(newExperiment({ pooling: null }))), new PartialRunMeans());
    expect(result.runs.map((run) => [run.label, run.seed, run.pooling])).toEqual([
      ['histopathology', 42, null],
      ['radiology', null, null],
    ]);
  });
});
