import { holmPValueAt, pairFindings, type LayerValues, type PairFindings } from '../results/findings.js';
import type { Comparison } from '../results/types.js';
import type { LayerDivergence, PairAnalysis } from './divergence.js';

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
  /** Holm-adjusted over the pair's layers (from the pair's findings). */
  pValueHolm: number | null;
  cka: number | null;
  cohensDHeldOut: number | null;
}

/** The analysis of the same two runs as a comparison, if one was made. */
export function analysisFor(comparison: Comparison, analyses: readonly PairAnalysis[]): PairAnalysis | undefined {
  return analyses.find((analysis) => analysis.runA === comparison.run_a && analysis.runB === comparison.run_b);
}

/** Each layer's values with its analysis, in the comparison's layer order; layers without cosine and L2 are left out. */
function joinedLayers(comparison: Comparison, analysis: PairAnalysis | undefined) {
  const byLayer = new Map(analysis?.perLayer.map((layer) => [layer.layer, layer]));
  return comparison.layer_indices.flatMap((layer, k) => {
    const analysed = byLayer.get(layer);
    const cosine = comparison.layer_cosine_similarity?.[k] ?? analysed?.cosine;
    const l2 = comparison.layer_l2_distance?.[k] ?? analysed?.l2;
    return cosine === undefined || l2 === undefined ? [] : [{ layer, cosine, l2, analysed }];
  });
}

/**
 * A pair's per-layer values: CoTLab's cosine and L2 (the comparison's stored per-layer values when present, else
 * the analysis's) and the analytics the findings are read from.
 */
export function layerValuesOf(comparison: Comparison, analysis: PairAnalysis | undefined): LayerValues[] {
  return joinedLayers(comparison, analysis).map(({ layer, cosine, l2, analysed }) => ({
    layer,
    cosine,
    l2,
    pValue: analysed?.pValue ?? null,
    centredCosine: analysed?.centredCosine ?? null,
    relativeL2: analysed?.relativeL2 ?? null,
  }));
}

/** The findings of one compared pair: the one place they are computed from a comparison and its analysis. */
export function findingsFor(comparison: Comparison, analysis: PairAnalysis | undefined): PairFindings {
  return pairFindings(comparison.run_a, comparison.run_b, layerValuesOf(comparison, analysis), {
    cosine: comparison.mean_cosine_similarity,
    l2: comparison.mean_l2_distance,
  });
}

/**
 * Per-layer rows of a comparison. Cosine and L2 are CoTLab's stored per-layer values when present (else the
 * analysis's); the other columns come from the analysis and are null without one; Holm-adjusted p-values come
 * from the pair's findings. No rows when neither has per-layer values.
 */
export function layerRows(comparison: Comparison, analysis: PairAnalysis | undefined, findings: PairFindings | undefined): LayerRow[] {
  return joinedLayers(comparison, analysis).map(({ layer, cosine, l2, analysed }) => ({
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
    pValueHolm: findings === undefined ? null : holmPValueAt(findings, layer),
    cka: analysed?.paired?.cka ?? null,
    cohensDHeldOut: analysed?.direction.cohensDHeldOut ?? null,
  }));
}
