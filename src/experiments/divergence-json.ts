import type { LayerDivergence, PairAnalysis } from '../analytics/divergence.js';
import type { SampleLabel } from '../analytics/label-breakdown.js';
import { PCA_RESIDUAL_TOLERANCE } from '../analytics/pca.js';
import { permutationCountFor } from '../analytics/permutation-count.js';
import type { DistributionSummary } from '../analytics/summary-stats.js';
import { holmPValueAt, requireFindingsOfPair, type PairFindings } from '../results/findings.js';
import type { Seed } from '../results/seed.js';
import { SIGNIFICANCE_LEVEL } from '../results/significance.js';

export interface DivergenceLayerRecord {
  layer: number;
  cosine: number;
  l2: number;
  norm_a: number;
  norm_b: number;
  centred_cosine: number | null;
  relative_l2: number | null;
  l2_noise_floor: number | null;
  l2_debiased: number | null;
  /** [low, high] percentile bootstrap interval. */
  cosine_ci: [number, number] | null;
  l2_ci: [number, number] | null;
  p_value: number | null;
  /** Holm-adjusted over the pair's layers. */
  p_value_holm: number | null;
  /** Paired runs only: distribution of cos(a_i, b_i). */
  sample_cosine: DistributionSummary | null;
  cka: number | null;
  direction_norm: number;
  cohens_d: number | null;
  cohens_d_held_out: number | null;
  /** Each sample's projection on the unit diff-in-means direction (meanB − meanA), in sample order. */
  projections_a: number[];
  projections_b: number[];
  /** Each label group of one run against the other run's mean. */
  labels: Array<{ run: 'a' | 'b'; label: SampleLabel; count: number; cosine_to_other_mean: number; l2_to_other_mean: number }>;
  pca: {
    coordinates_a: Array<[number, number]>;
    coordinates_b: Array<[number, number]>;
    explained_variance_ratio: [number, number];
    /** ‖K·v − λ·v‖ / ‖K‖_F of PC1 and PC2 as eigenpairs of the samples' centred Gram matrix K. */
    residuals: [number, number];
    /** Both residuals within the pair's pca_residual_tolerance. */
    converged: boolean;
  };
}

export interface DivergencePairRecord {
  run_a: string;
  run_b: string;
  paired: boolean;
  resampling: PairAnalysis['resampling'];
  n_a: number;
  n_b: number;
  n_boot: number;
  n_perm: number;
  /** How n_perm was chosen (the engine's rule with its numbers, see permutationCountFor). */
  n_perm_rule: string;
  /** The smallest Holm-adjusted p-value n_perm allows over these layers, layers / (n_perm + 1); null without a test. */
  holm_p_floor: number | null;
  /** Exact at any size (a BigInt is written as its digits). */
  seed: Seed;
  confidence_level: number;
  /** False when the experiment has too few runs for a meaningful centre (centred_cosine is then null). */
  centred: boolean;
  lowest_centred_cosine_layers: Array<{ layer: number; centred_cosine: number }>;
  highest_relative_l2_layers: Array<{ layer: number; relative_l2: number }>;
  /** Layers with p_value_holm < significance_level, ascending. */
  differing_layers: number[];
  significance_level: number;
  /** Largest PCA residual counted as converged (see each layer's pca.residuals). */
  pca_residual_tolerance: number;
  layers: DivergenceLayerRecord[];
}

/** results.json `divergence`: the analytics beyond CoTLab's two mean vectors. */
export interface DivergenceRecord {
  description: string;
  pairs: DivergencePairRecord[];
}

const DESCRIPTION =
  'Per pair and layer: cosine and L2 of the run means (as CoTLab), centred cosine, L2 relative to the mean norm, ' +
  'bootstrap confidence intervals, permutation-test p-values (raw and Holm-adjusted over layers), paired per-sample ' +
  'cosine and linear CKA when both runs hold the same samples, the diff-in-means direction with each sample\'s ' +
  'projection, a per-label breakdown and a 2-D PCA of the samples (exact symmetric eigensolver on the centred Gram ' +
  'matrix; each component\'s relative residual and whether both are within the tolerance are recorded).';

function interval(value: { low: number; high: number } | null): [number, number] | null {
  return value === null ? null : [value.low, value.high];
}

function layerRecord(layer: LayerDivergence, pValueHolm: number | null): DivergenceLayerRecord {
  return {
    layer: layer.layer,
    cosine: layer.cosine,
    l2: layer.l2,
    norm_a: layer.normA,
    norm_b: layer.normB,
    centred_cosine: layer.centredCosine,
    relative_l2: layer.relativeL2,
    l2_noise_floor: layer.l2NoiseFloor,
    l2_debiased: layer.l2Debiased,
    cosine_ci: interval(layer.cosineCi),
    l2_ci: interval(layer.l2Ci),
    p_value: layer.pValue,
    p_value_holm: pValueHolm,
    sample_cosine: layer.paired?.sampleCosine ?? null,
    cka: layer.paired?.cka ?? null,
    direction_norm: layer.direction.norm,
    cohens_d: layer.direction.cohensD,
    cohens_d_held_out: layer.direction.cohensDHeldOut,
    projections_a: layer.direction.projectionsA,
    projections_b: layer.direction.projectionsB,
    labels: layer.labels.map((group) => ({
      run: group.run,
      label: group.label,
      count: group.count,
      cosine_to_other_mean: group.cosineToOtherMean,
      l2_to_other_mean: group.l2ToOtherMean,
    })),
    pca: {
      coordinates_a: layer.pca.coordinatesA,
      coordinates_b: layer.pca.coordinatesB,
      explained_variance_ratio: layer.pca.explainedVarianceRatio,
      residuals: layer.pca.residuals,
      converged: layer.pca.converged,
    },
  };
}

function permutationRule(analysis: PairAnalysis): string {
  const rule = permutationCountFor(analysis.layers.length, SIGNIFICANCE_LEVEL);
  return analysis.options.nPerm === rule.count ? rule.rule : `${analysis.options.nPerm}, set by the caller`;
}

/** One analysed pair, with the Holm-adjusted p-values, rankings and differing layers of its findings. */
export function pairRecord(analysis: PairAnalysis, findings: PairFindings): DivergencePairRecord {
  const layers = analysis.perLayer.map((layer) => layerRecord(layer, holmPValueAt(findings, layer.layer)));
  return {
    run_a: analysis.runA,
    run_b: analysis.runB,
    paired: analysis.paired,
    resampling: analysis.resampling,
    n_a: analysis.sizeA,
    n_b: analysis.sizeB,
    n_boot: analysis.options.nBoot,
    n_perm: analysis.options.nPerm,
    n_perm_rule: permutationRule(analysis),
    holm_p_floor: analysis.options.nPerm > 0 ? analysis.layers.length / (analysis.options.nPerm + 1) : null,
    seed: analysis.options.seed,
    confidence_level: analysis.confidenceLevel,
    centred: analysis.centred,
    lowest_centred_cosine_layers: findings.lowest_centred_cosine_layers.map(({ layer, value }) => ({ layer, centred_cosine: value })),
    highest_relative_l2_layers: findings.highest_relative_l2_layers.map(({ layer, value }) => ({ layer, relative_l2: value })),
    differing_layers: findings.layers_beyond_chance ?? [],
    significance_level: findings.significance_level,
    pca_residual_tolerance: PCA_RESIDUAL_TOLERANCE,
    layers,
  };
}

/** results.json `divergence` of the analysed pairs; `findings` holds the findings of every compared pair. */
export function divergenceRecord(analyses: readonly PairAnalysis[], findings: readonly PairFindings[]): DivergenceRecord {
  return {
    description: DESCRIPTION,
    pairs: analyses.map((analysis) => pairRecord(analysis, requireFindingsOfPair(findings, analysis.runA, analysis.runB))),
  };
}
