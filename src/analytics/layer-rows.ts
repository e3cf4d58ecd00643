import type { Comparison } from '../experiments/types.js';
import type { LayerDivergence, PairAnalysis } from './divergence.js';
import { holmAdjustIfTested } from './summary-stats.js';

/** The analysis's per-layer values a report row repeats under the same names. */
type AnalysedColumns =
  | 'layer'
  | 'cosine'
  | 'l2'
  | 'centredCosine'
  | 'relativeL2'
  | 'l2NoiseFloor'
  | 'l2Debiased'
  | 'cosineCi'
  | 'l2Ci'
  | 'pValue';

/** One layer of one compared pair, as the report tables and the CSV show it. */
export interface LayerRow extends Pick<LayerDivergence, AnalysedColumns> {
  /** "runA vs runB". */
  pair: string;
  runA: string;
  runB: string;
  /** Holm-adjusted over the pair's layers, since the layers are tested together. */
  pValueHolm: number | null;
  cka: number | null;
  cohensDHeldOut: number | null;
}

/** The analysis of the same two runs as a comparison, if one was made. */
export function analysisFor(comparison: Comparison, analyses: readonly PairAnalysis[]): PairAnalysis | undefined {
  return analyses.find((analysis) => analysis.runA === comparison.run_a && analysis.runB === comparison.run_b);
}

/**
 * Per-layer rows of a comparison. Cosine and L2 are CoTLab's stored per-layer values when present (else the
 * analysis's); the other columns come from the analysis and are null without one. No rows when neither has
 * per-layer values.
 */
export function layerRows(comparison: Comparison, analysis: PairAnalysis | undefined): LayerRow[] {
  const byLayer = new Map(analysis?.perLayer.map((layer) => [layer.layer, layer]));
  const tested = holmAdjustIfTested(analysis?.perLayer.map((layer) => layer.pValue) ?? []);
  const holmByLayer = new Map(analysis?.perLayer.map((layer, k) => [layer.layer, tested?.[k] ?? null]));
  const rows: LayerRow[] = [];
  comparison.layer_indices.forEach((layer, k) => {
    const analysed = byLayer.get(layer);
    const cosine = comparison.layer_cosine_similarity?.[k] ?? analysed?.cosine;
    const l2 = comparison.layer_l2_distance?.[k] ?? analysed?.l2;
    if (cosine === undefined || l2 === undefined) return;
    rows.push({
      pair: `${comparison.run_a} vs ${comparison.run_b}`,
      runA: comparison.run_a,
      runB: comparison.run_b,
      layer,
      cosine,
      l2,
      centredCosine: analysed?.centredCosine ?? null,
      relativeL2: analysed?.relativeL2 ?? null,
      l2NoiseFloor: analysed?.l2NoiseFloor ?? null,
      l2Debiased: analysed?.l2Debiased ?? null,
      cosineCi: analysed?.cosineCi ?? null,
      l2Ci: analysed?.l2Ci ?? null,
      pValue: analysed?.pValue ?? null,
      pValueHolm: holmByLayer.get(layer) ?? null,
      cka: analysed?.paired?.cka ?? null,
      cohensDHeldOut: analysed?.direction.cohensDHeldOut ?? null,
    });
  });
  return rows;
}
