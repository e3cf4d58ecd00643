import { meanOverLayers, pairFindings } from '../../src/results/findings.js';
import type { AnalysisSettingsRecord } from '../../src/results/analysis-settings.js';
import type { LayerComparisonInput, PairInput } from '../../src/store/types.js';

/** A compared pair to store, with its findings computed from the rows as a run computes them. */
export function pairInput(
  runAId: number,
  runBId: number,
  layers: LayerComparisonInput[],
  analysis: AnalysisSettingsRecord | null = null,
  names: [string, string] = ['histopathology', 'radiology'],
): PairInput {
  const values = layers.map((row) => ({
    layer: row.layer,
    cosine: row.cosine,
    l2: row.l2,
    pValue: row.pValue ?? null,
    centredCosine: row.centredCosine ?? null,
    relativeL2: row.relativeL2 ?? null,
  }));
  const findings = pairFindings(names[0], names[1], values, {
    cosine: meanOverLayers(values.map((value) => value.cosine)),
    l2: meanOverLayers(values.map((value) => value.l2)),
  });
  return { runAId, runBId, layers, findings, analysis };
}
