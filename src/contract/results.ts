/** The history and stored results as the UI shows them. */
import { z } from 'zod';
import { finite, seedShown, wholeNumber } from './primitives.js';
import { LabelSchema } from './datasets.js';
import { PoolingSchema } from './experiments.js';

/** As the history stores it: a cancelled or crashed run is `interrupted`. */
export const ExperimentStatusSchema = z.enum(['running', 'completed', 'interrupted', 'failed']);

export const ExperimentSummarySchema = z
  .object({
    id: z.string().min(1),
    createdAt: z.string(),
    model: z.string(),
    variants: z.array(z.string()),
    samples: wholeNumber.nonnegative(),
    durationSeconds: finite.nonnegative().nullable(),
    status: ExperimentStatusSchema,
    pooling: PoolingSchema.nullable(),
    demoModel: z.boolean(),
    /** Run here (resumable when interrupted), or imported from a CoTLab results.json. */
    source: z.enum(['workbench', 'cotlab-import']),
    /** Which results screen applies: activation_compare, classification or logit_lens. */
    experimentType: z.enum(['activation_compare', 'classification', 'logit_lens']),
    /** Whether answers were recorded (classification, or activation_compare with recordAnswers). */
    hasAnswers: z.boolean(),
  })
  .strict();
export type ExperimentSummary = z.infer<typeof ExperimentSummarySchema>;

export const RunRefSchema = z.object({ experimentId: z.string().min(1), runName: z.string().min(1) }).strict();
export type RunRef = z.infer<typeof RunRefSchema>;

export const RunViewSchema = z
  .object({
    ref: RunRefSchema,
    /** Unique across experiments: the name, qualified by the experiment when runs are compared across them. */
    label: z.string(),
    dataset: z.string(),
    prompt: z.string(),
    numSamples: wholeNumber.nonnegative(),
    /** null when the run did not record one (e.g. some imported runs). */
    seed: seedShown.nullable(),
    /** null when the experiment did not record it. */
    pooling: PoolingSchema.nullable(),
    layerIndices: z.array(wholeNumber),
    meanActivationNorms: z.array(finite),
    /** Whether per-sample vectors are stored (needed for the PCA scatter and per-sample cosines). */
    vectorsStored: z.boolean(),
  })
  .strict();
export type RunView = z.infer<typeof RunViewSchema>;

export const IntervalSchema = z.object({ low: finite, high: finite }).strict();
export type Interval = z.infer<typeof IntervalSchema>;

/** One layer of one compared pair; the analytics are null where they were not computed (e.g. imported runs). */
export const LayerComparisonSchema = z
  .object({
    layer: wholeNumber.nonnegative(),
    cosine: finite,
    l2: finite,
    /** Bootstrap confidence intervals of the two metrics. */
    cosineCi: IntervalSchema.nullable(),
    l2Ci: IntervalSchema.nullable(),
    /** Permutation-test p-value of the L2 distance, raw and Holm-adjusted over the pair's layers. */
    pValue: finite.nullable(),
    pValueHolm: finite.nullable(),
    /** Linear CKA of the two runs' samples (paired runs only). */
    cka: finite.nullable(),
    centredCosine: finite.nullable(),
    relativeL2: finite.nullable(),
  })
  .strict();
export type LayerComparison = z.infer<typeof LayerComparisonSchema>;

/** How the analytics were computed, as stored with them, to say so beside them. */
export const AnalysisSettingsSchema = z
  .object({
    confidenceLevel: finite,
    bootstrapResamples: wholeNumber.nonnegative(),
    permutations: wholeNumber.nonnegative(),
    significanceLevel: finite,
    seed: seedShown,
    resampling: z.enum(['paired', 'independent']),
  })
  .strict();
export type AnalysisSettings = z.infer<typeof AnalysisSettingsSchema>;

export const LayerScoreSchema = z.object({ layer: wholeNumber.nonnegative(), value: finite }).strict();
export type LayerScore = z.infer<typeof LayerScoreSchema>;

/** A pair at a glance, as the engine computed it once (the same lists every report shows). */
export const PairFindingsViewSchema = z
  .object({
    lowestCosineLayers: z.array(LayerScoreSchema),
    highestL2Layers: z.array(LayerScoreSchema),
    highestRelativeL2Layers: z.array(LayerScoreSchema),
    /** Layers whose Holm-adjusted p-value is below significanceLevel; null when the layers were not tested. */
    layersBeyondChance: z.array(wholeNumber.nonnegative()).nullable(),
    testedLayers: wholeNumber.nonnegative(),
    significanceLevel: finite,
  })
  .strict();
export type PairFindingsView = z.infer<typeof PairFindingsViewSchema>;

export const ComparisonViewSchema = z
  .object({
    runA: z.string(),
    runB: z.string(),
    refA: RunRefSchema,
    refB: RunRefSchema,
    /** Same dataset file and samples in the same order (e.g. one dataset under two prompts). */
    paired: z.boolean(),
    meanCosineSimilarity: finite,
    meanL2Distance: finite,
    layers: z.array(LayerComparisonSchema),
    findings: PairFindingsViewSchema,
    /** How the analytics were computed; null when the pair has none (e.g. runs imported from CoTLab). */
    analysis: AnalysisSettingsSchema.nullable(),
  })
  .strict();
export type ComparisonView = z.infer<typeof ComparisonViewSchema>;

export const ResultSetSchema = z
  .object({
    /** The experiment when the results are one stored experiment; null for a cross-experiment comparison. */
    experiment: ExperimentSummarySchema.nullable(),
    runs: z.array(RunViewSchema),
    comparisons: z.array(ComparisonViewSchema),
  })
  .strict();
export type ResultSet = z.infer<typeof ResultSetSchema>;

/** One sample in the 2-D PCA of a pair's samples at one layer. */
export const PcaPointSchema = z
  .object({ run: z.enum(['a', 'b']), datasetIndex: wholeNumber.nonnegative(), label: LabelSchema, pc1: finite, pc2: finite })
  .strict();
export type PcaPoint = z.infer<typeof PcaPointSchema>;

export const DistributionSummarySchema = z
  .object({
    n: wholeNumber.nonnegative(),
    mean: finite,
    sd: finite,
    min: finite,
    q05: finite,
    q25: finite,
    median: finite,
    q75: finite,
    q95: finite,
    max: finite,
  })
  .strict();

/** The per-sample view of one layer of a compared pair, computed from the stored vectors on request. */
export const LayerDetailSchema = z
  .object({
    layer: wholeNumber.nonnegative(),
    runA: z.string(),
    runB: z.string(),
    paired: z.boolean(),
    points: z.array(PcaPointSchema),
    explainedVarianceRatio: z.tuple([finite, finite]),
    /** Paired runs only: cos(a_i, b_i) for each sample pair, in sample order, and how they are spread. */
    sampleCosines: z.array(finite).nullable(),
    sampleCosineSummary: DistributionSummarySchema.nullable(),
  })
  .strict();
export type LayerDetail = z.infer<typeof LayerDetailSchema>;

export const ExportFormatSchema = z.enum(['markdown', 'json', 'html', 'csv']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const ExportedReportSchema = z
  .object({ fileName: z.string().min(1), mimeType: z.string().min(1), content: z.string() })
  .strict();
export type ExportedReport = z.infer<typeof ExportedReportSchema>;

export const ExportedVectorsSchema = z
  .object({
    /** The folder on the workbench machine that now holds the .npy files and their JSON indexes. */
    dir: z.string().min(1),
    sampleFiles: wholeNumber.nonnegative(),
    directionFiles: wholeNumber.nonnegative(),
  })
  .strict();
export type ExportedVectors = z.infer<typeof ExportedVectorsSchema>;
