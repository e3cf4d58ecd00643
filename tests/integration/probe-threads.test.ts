import { describe, expect, it } from 'vitest';
import { probeLayers, type ProbeSettings } from '../../src/analytics/probing.js';
import { createSeededRng } from '../../src/analytics/seeded-rng.js';
import { probeLayersInThreads } from '../../src/experiments/probe-in-threads.js';

const SETTINGS: ProbeSettings = {
  folds: 3,
  innerFolds: 2,
  cGrid: [0.01, 1],
  seed: 5,
  bootstrapResamples: 50,
  confidenceLevel: 0.95,
  significanceLevel: 0.05,
};

describe('probing in threads', () => {
  it('gives exactly the result of probing the layers one after another', async () => {
    const rng = createSeededRng(11);
    const labels = Array.from({ length: 45 }, (_, i) => i % 3);
    const layers = [0, 2, 4, 6, 8];
    const vectorsByLayer = layers.map((layer) =>
      labels.map((label) => Float32Array.from({ length: 12 }, (_, j) => rng.nextFloat() + (j === label ? layer / 8 : 0))),
    );
    const input = { layers, vectorsByLayer, labels, sampleIndices: labels.map((_, i) => i), settings: SETTINGS };
    expect(await probeLayersInThreads(input, { maxThreads: 2 })).toEqual(probeLayers(input));
  });
});
