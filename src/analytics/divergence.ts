import type { AnalysisSettingsRecord } from '../results/analysis-settings.js';
import { SIGNIFICANCE_LEVEL } from '../results/significance.js';
import { diffInMeansDirection, type DiffDirection } from './diff-direction.js';
import { AnalysisInputError } from './errors.js';
import { labelBreakdown, type LabelGroupSummary, type SampleLabel } from './label-breakdown.js';
import { l2NoiseCorrection } from './noise-floor.js';
import { pairedLinearCka, pairedSampleCosines } from './paired-similarity.js';
import { pca2dFromCentredGram } from './pca.js';
import { bootstrapMeanMetrics, permutationTestMeanDistance, type ResamplingScheme } from './resampling.js';
import { createSeededRng } from './seeded-rng.js';
import { summariseDistribution, type DistributionSummary, type Interval } from './summary-stats.js';
import {
  centreGram,
  cosine,
  gramMatrix,
  l2Distance,
  meanVector,
  norm,
  subtract,
  type NumericVector,
} from './vector-math.js';

/** One run's pooled vectors, as captured. */
export interface RunVectors {
  name: string;
  /** vectorsByLayer[k][i]: pooled vector of sample i at model layer `layers[k]` (all of hidden size H). */
  vectorsByLayer: Float32Array[][];
  /** One label per sample (null where the dataset has none). */
  labels: SampleLabel[];
  /** Dataset index of each sample; when both runs give them, a paired analysis checks they match. */
  sampleIndices?: number[];
}

export interface AnalysisOptions {
  /** Bootstrap replicates for the confidence intervals (0: no intervals). */
  nBoot: number;
  /** Permutation-test replicates (0: no p-value). */
  nPerm: number;
  /** Seed of all resampling and of the PCA start vectors: any integer (a BigInt beyond 2^53). */
  seed: number | bigint;
}

export const DEFAULT_ANALYSIS_OPTIONS: AnalysisOptions = { nBoot: 1000, nPerm: 1000, seed: 42 };

/** Confidence level of the bootstrap intervals. */
export const CONFIDENCE_LEVEL = 0.95;

export interface PairAnalysisInput {
  a: RunVectors;
  b: RunVectors;
  /** Model layer index of each entry of the runs' vectorsByLayer. */
  layers: number[];
  /** True when both runs hold the same samples in the same order (e.g. one dataset under two prompts). */
  paired: boolean;
  options?: Partial<AnalysisOptions>;
  /**
   * Reference point per layer (same order as `layers`) for the centred cosine, e.g. the mean over all samples of
   * every run in the experiment. Centring on the pooled mean of these two runs alone would be pointless: both
   * centred means then lie on one line, so their cosine is always −1.
   */
  centreByLayer?: NumericVector[];
}

export interface PairedLayerStats {
  /** Distribution of cos(a_i, b_i) over the pairs. */
  sampleCosine: DistributionSummary;
  /** Linear CKA between the two centred sample matrices. */
  cka: number;
}

export interface LayerPca {
  /** [pc1, pc2] per sample of run A, then of run B (components of both runs' samples together). */
  coordinatesA: Array<[number, number]>;
  coordinatesB: Array<[number, number]>;
  explainedVarianceRatio: [number, number];
  /** ‖K·v − λ·v‖ / ‖K‖_F of each component (K: the centred Gram matrix of both runs' samples). */
  residuals: [number, number];
  /** Both residuals within PCA_RESIDUAL_TOLERANCE. */
  converged: boolean;
}

export interface LayerDivergence {
  layer: number;
  /** Cosine similarity of the two run means (as CoTLab). */
  cosine: number;
  /** L2 distance of the two run means (as CoTLab). */
  l2: number;
  /** ‖meanA‖, ‖meanB‖. */
  normA: number;
  normB: number;
  /** Cosine of the means after subtracting the supplied centre; null when no centre was supplied. */
  centredCosine: number | null;
  /** l2 / ((‖meanA‖ + ‖meanB‖) / 2); null when both means are zero. */
  relativeL2: number | null;
  /** L2 that sampling noise alone would give on average (see L2NoiseCorrection); null with < 2 samples in a run. */
  l2NoiseFloor: number | null;
  /** L2 with the noise bias removed; null with < 2 samples in a run. */
  l2Debiased: number | null;
  /** Percentile bootstrap intervals at CONFIDENCE_LEVEL; null when nBoot is 0. */
  cosineCi: Interval | null;
  l2Ci: Interval | null;
  /** Permutation-test p-value for the L2 distance of the means; null when nPerm is 0. */
  pValue: number | null;
  /** Present for paired analyses only. */
  paired: PairedLayerStats | null;
  direction: DiffDirection;
  labels: LabelGroupSummary[];
  pca: LayerPca;
}

/** Everything known about how two runs differ, per layer. Plain numbers and arrays only (JSON-serialisable). */
export interface PairAnalysis {
  runA: string;
  runB: string;
  paired: boolean;
  sizeA: number;
  sizeB: number;
  hiddenSize: number;
  layers: number[];
  options: AnalysisOptions;
  confidenceLevel: number;
  resampling: ResamplingScheme;
  centred: boolean;
  perLayer: LayerDivergence[];
}

/** L2 distance of two means relative to their average norm, l2 / ((‖meanA‖ + ‖meanB‖) / 2); null when both are 0. */
export function relativeL2(l2: number, normA: number, normB: number): number | null {
  return normA + normB > 0 ? l2 / ((normA + normB) / 2) : null;
}

// Stream keys: each layer and each use gets its own random stream (see createSeededRng).
const STREAM_BOOTSTRAP = 1;
const STREAM_PERMUTATION = 2;
const STREAM_PCA = 3;

function checkCount(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new AnalysisInputError(`${field} must be a whole number of 0 or more, got ${value}.`, { field });
  }
  return value;
}

function checkSeed(value: number | bigint): number | bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new AnalysisInputError(`options.seed must be a whole number (a BigInt beyond 2^53), got ${value}.`, { field: 'options.seed' });
  }
  return value;
}

function resolveOptions(options: Partial<AnalysisOptions> | undefined): AnalysisOptions {
  const merged = { ...DEFAULT_ANALYSIS_OPTIONS, ...options };
  return {
    nBoot: checkCount(merged.nBoot, 'options.nBoot'),
    nPerm: checkCount(merged.nPerm, 'options.nPerm'),
    seed: checkSeed(merged.seed),
  };
}

/** Checks one run's shape against the layer list; returns its sample count. */
function checkRun(run: RunVectors, layers: readonly number[], hiddenSize: number): number {
  if (run.vectorsByLayer.length !== layers.length) {
    throw new AnalysisInputError(
      `Run "${run.name}" has vectors for ${run.vectorsByLayer.length} layers but ${layers.length} layers were asked for.`,
      { run: run.name, field: 'vectorsByLayer' },
    );
  }
  const size = run.vectorsByLayer[0]?.length ?? 0;
  if (size === 0) throw new AnalysisInputError(`Run "${run.name}" has no samples to analyse.`, { run: run.name });
  run.vectorsByLayer.forEach((vectors, k) => {
    const layer = layers[k] as number;
    if (vectors.length !== size) {
      throw new AnalysisInputError(
        `Run "${run.name}" has ${vectors.length} samples at layer ${layer} but ${size} at layer ${layers[0]}.`,
        { run: run.name, layer },
      );
    }
    vectors.forEach((vector, sample) => {
      if (vector.length !== hiddenSize) {
        throw new AnalysisInputError(
          `Run "${run.name}", layer ${layer}, sample ${sample}: vector has ${vector.length} values, expected ${hiddenSize}.`,
          { run: run.name, layer, sample },
        );
      }
    });
  });
  if (run.labels.length !== size) {
    throw new AnalysisInputError(`Run "${run.name}" has ${run.labels.length} labels for ${size} samples.`, {
      run: run.name,
      field: 'labels',
    });
  }
  if (run.sampleIndices !== undefined && run.sampleIndices.length !== size) {
    throw new AnalysisInputError(`Run "${run.name}" has ${run.sampleIndices.length} sample indices for ${size} samples.`, {
      run: run.name,
      field: 'sampleIndices',
    });
  }
  return size;
}

function checkPairing(a: RunVectors, b: RunVectors, sizeA: number, sizeB: number): void {
  if (sizeA !== sizeB) {
    throw new AnalysisInputError(
      `A paired analysis needs the same samples in both runs, but "${a.name}" has ${sizeA} and "${b.name}" has ${sizeB}.`,
      { field: 'paired' },
    );
  }
  if (a.sampleIndices === undefined || b.sampleIndices === undefined) return;
  const mismatch = a.sampleIndices.findIndex((index, i) => b.sampleIndices?.[i] !== index);
  if (mismatch >= 0) {
    throw new AnalysisInputError(
      `A paired analysis needs the same samples in the same order, but "${a.name}" and "${b.name}" differ at sample ${mismatch}.`,
      { field: 'sampleIndices', sample: mismatch },
    );
  }
}

function analyseLayer(
  input: PairAnalysisInput,
  k: number,
  hiddenSize: number,
  options: AnalysisOptions,
  resampling: ResamplingScheme,
): LayerDivergence {
  const layer = input.layers[k] as number;
  const vectorsA = input.a.vectorsByLayer[k] as Float32Array[];
  const vectorsB = input.b.vectorsByLayer[k] as Float32Array[];
  const sizeA = vectorsA.length;
  const meanA = meanVector(vectorsA, hiddenSize);
  const meanB = meanVector(vectorsB, hiddenSize);
  const normA = norm(meanA);
  const normB = norm(meanB);
  const l2 = l2Distance(meanA, meanB);
  const centre = input.centreByLayer?.[k];
  const gram = gramMatrix([...vectorsA, ...vectorsB]);

  const bootstrap =
    options.nBoot > 0
      ? bootstrapMeanMetrics(gram, sizeA, resampling, options.nBoot, createSeededRng(options.seed, layer, STREAM_BOOTSTRAP), CONFIDENCE_LEVEL)
      : null;
  const permutation =
    options.nPerm > 0
      ? permutationTestMeanDistance(gram, sizeA, resampling, options.nPerm, createSeededRng(options.seed, layer, STREAM_PERMUTATION))
      : null;
  const pca = pca2dFromCentredGram(centreGram(gram), createSeededRng(options.seed, layer, STREAM_PCA));
  const noise = l2NoiseCorrection(gram, sizeA, l2, input.paired);

  return {
    layer,
    cosine: cosine(meanA, meanB),
    l2,
    normA,
    normB,
    centredCosine: centre === undefined ? null : cosine(subtract(meanA, centre), subtract(meanB, centre)),
    relativeL2: relativeL2(l2, normA, normB),
    l2NoiseFloor: noise?.noiseFloor ?? null,
    l2Debiased: noise?.debiased ?? null,
    cosineCi: bootstrap?.cosine ?? null,
    l2Ci: bootstrap?.l2 ?? null,
    pValue: permutation?.pValue ?? null,
    paired: input.paired
      ? { sampleCosine: summariseDistribution(pairedSampleCosines(gram, sizeA)), cka: pairedLinearCka(gram, sizeA) }
      : null,
    direction: diffInMeansDirection(vectorsA, vectorsB, meanA, meanB, gram),
    labels: [
      ...labelBreakdown('a', vectorsA, input.a.labels, meanB),
      ...labelBreakdown('b', vectorsB, input.b.labels, meanA),
    ],
    pca: {
      coordinatesA: pca.coordinates.slice(0, sizeA),
      coordinatesB: pca.coordinates.slice(sizeA),
      explainedVarianceRatio: pca.explainedVarianceRatio,
      residuals: pca.residuals,
      converged: pca.converged,
    },
  };
}

/**
 * Compares two runs layer by layer: CoTLab's cosine/L2 of the means plus how much of that is noise (bootstrap
 * intervals, permutation p-value), paired similarity (per-sample cosine, CKA), the diff-in-means direction,
 * a per-label breakdown and a 2-D PCA of the samples.
 */
export function analysePair(input: PairAnalysisInput): PairAnalysis {
  const options = resolveOptions(input.options);
  const hiddenSize = input.a.vectorsByLayer[0]?.[0]?.length ?? 0;
  if (input.layers.length === 0) throw new AnalysisInputError('No layers were given to analyse.', { field: 'layers' });
  const sizeA = checkRun(input.a, input.layers, hiddenSize);
  if (hiddenSize === 0) throw new AnalysisInputError(`Run "${input.a.name}" has empty vectors.`, { run: input.a.name });
  const sizeB = checkRun(input.b, input.layers, hiddenSize);
  if (input.paired) checkPairing(input.a, input.b, sizeA, sizeB);
  input.layers.forEach((layer, k) => {
    checkCount(layer, `layers[${k}]`);
    const centre = input.centreByLayer?.[k];
    if (input.centreByLayer !== undefined && centre?.length !== hiddenSize) {
      throw new AnalysisInputError(`The centre for layer ${layer} has ${centre?.length ?? 0} values, expected ${hiddenSize}.`, {
        layer,
        field: 'centreByLayer',
      });
    }
  });
  const resampling: ResamplingScheme = input.paired ? 'paired' : 'independent';
  return {
    runA: input.a.name,
    runB: input.b.name,
    paired: input.paired,
    sizeA,
    sizeB,
    hiddenSize,
    layers: [...input.layers],
    options,
    confidenceLevel: CONFIDENCE_LEVEL,
    resampling,
    centred: input.centreByLayer !== undefined,
    perLayer: input.layers.map((_, k) => analyseLayer(input, k, hiddenSize, options, resampling)),
  };
}

/** How a pair was analysed, as the history stores it beside the numbers. */
export function analysisSettingsOf(analysis: PairAnalysis): AnalysisSettingsRecord {
  return {
    n_boot: analysis.options.nBoot,
    confidence_level: analysis.confidenceLevel,
    n_perm: analysis.options.nPerm,
    significance_level: SIGNIFICANCE_LEVEL,
    seed: analysis.options.seed,
    resampling: analysis.resampling,
  };
}
