/** The history and stored results as the UI shows them. */
import { z } from 'zod';
import { finite, seedShown, wholeNumber } from './primitives.js';
import { LabelSchema } from './datasets.js';
import { PoolingSchema } from './experiments.js';

/** As the history stores it: a cancelled or crashed run is `interrupted`. */
export const ExperimentStatusSchema = z.enum(['running', 'completed', 'interrupted', 'failed']);
export type ExperimentStatus = z.infer<typeof ExperimentStatusSchema>;

/** One recorded setting of a run (dataset, file, prompt options, samples, seed, pooling, ...), its value as text. */
export const SettingEntrySchema = z.object({ key: z.string(), label: z.string(), value: z.string() }).strict();
export type SettingEntry = z.infer<typeof SettingEntrySchema>;

export const LayerScoreSchema = z.object({ layer: wholeNumber.nonnegative(), value: finite }).strict();
export type LayerScore = z.infer<typeof LayerScoreSchema>;

/** A run of a listed experiment: its name, every setting, and those that set it apart from the experiment's other runs. */
export const RunSettingsViewSchema = z
  .object({
    name: z.string(),
    /** The name, with what tells it from listed runs of the same name in other experiments, when there are such. */
    label: z.string(),
    settings: z.array(SettingEntrySchema),
    differences: z.array(SettingEntrySchema),
  })
  .strict();
export type RunSettingsView = z.infer<typeof RunSettingsViewSchema>;

/** A compared pair's headline numbers, as the engine's stored findings say them. */
export const PairHeadlineSchema = z
  .object({
    runA: z.string(),
    runB: z.string(),
    lowestCosine: LayerScoreSchema.nullable(),
    highestL2: LayerScoreSchema.nullable(),
    /** How many layers differ beyond chance (Holm); null when untested. */
    layersBeyondChance: wholeNumber.nonnegative().nullable(),
    testedLayers: wholeNumber.nonnegative(),
  })
  .strict();
export type PairHeadline = z.infer<typeof PairHeadlineSchema>;

/** The researcher's notes and tags on an experiment. */
export const AnnotationsSchema = z.object({ notes: z.string(), tags: z.array(z.string()) }).strict();
export type Annotations = z.infer<typeof AnnotationsSchema>;

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
    runs: z.array(RunSettingsViewSchema),
    pairs: z.array(PairHeadlineSchema),
    notes: z.string(),
    tags: z.array(z.string()),
    /** Why a failed (or stopped) experiment ended; null when it completed or is running. */
    error: z.string().nullable(),
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
    /** Every recorded setting, and those that set the run apart from the other runs shown with it. */
    settings: z.array(SettingEntrySchema),
    differences: z.array(SettingEntrySchema),
    status: ExperimentStatusSchema,
    samplesDone: wholeNumber.nonnegative(),
    samplesPlanned: wholeNumber.nonnegative(),
    /** The norms are of the mean of the samples stored so far (the run is still going or stopped early). */
    partial: z.boolean(),
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
    /** The L2 sampling noise alone would give, and the L2 with that bias removed. */
    l2NoiseFloor: finite.nullable(),
    l2Debiased: finite.nullable(),
    /** Cohen's d of held-out samples along the diff-in-means direction. */
    cohensDHeldOut: finite.nullable(),
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
    /** Made from the samples stored so far of a running experiment: only cosine and L2 of the means so far. */
    partial: z.boolean(),
  })
  .strict();
export type ComparisonView = z.infer<typeof ComparisonViewSchema>;

export const ResultSetSchema = z
  .object({
    /** The experiment when the results are one stored experiment; null for a cross-experiment comparison. */
    experiment: ExperimentSummarySchema.nullable(),
    runs: z.array(RunViewSchema),
    comparisons: z.array(ComparisonViewSchema),
    /** Keys of the settings whose values differ among the runs (the config diff). */
    differingSettings: z.array(z.string()),
    /** The experiment is still running: the numbers are of the samples stored so far. */
    live: z.boolean(),
  })
  .strict();
export type ResultSet = z.infer<typeof ResultSetSchema>;

/**
 * One sample in the 2-D PCA of a pair's samples at one layer: where it comes from (its run, its position in that run
 * and its dataset index), its label, its coordinates, and its projection on the diff-in-means direction.
 */
export const PcaPointSchema = z
  .object({
    run: z.enum(['a', 'b']),
    position: wholeNumber.nonnegative(),
    datasetIndex: wholeNumber.nonnegative(),
    label: LabelSchema,
    pc1: finite,
    pc2: finite,
    projection: finite,
  })
  .strict();
export type PcaPoint = z.infer<typeof PcaPointSchema>;

export const LabelGroupSchema = z
  .object({ run: z.enum(['a', 'b']), label: LabelSchema, count: wholeNumber.nonnegative(), cosineToOtherMean: finite, l2ToOtherMean: finite })
  .strict();
export type LabelGroup = z.infer<typeof LabelGroupSchema>;

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
    /** ‖mean(B) − mean(A)‖, and Cohen's d of the projections on that direction (in-sample and held-out). */
    directionNorm: finite,
    cohensD: finite.nullable(),
    cohensDHeldOut: finite.nullable(),
    relativeL2: finite.nullable(),
    l2NoiseFloor: finite.nullable(),
    l2Debiased: finite.nullable(),
    /** Each label group of each run against the other run's mean. */
    labelGroups: z.array(LabelGroupSchema),
  })
  .strict();
export type LayerDetail = z.infer<typeof LayerDetailSchema>;

/** `probingCsv`: the stored probes' per-layer scores (`export --format probing-csv`). */
export const ExportFormatSchema = z.enum(['markdown', 'json', 'html', 'csv', 'probingCsv']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const ExportedReportSchema = z
  .object({ fileName: z.string().min(1), mimeType: z.string().min(1), content: z.string() })
  .strict();
export type ExportedReport = z.infer<typeof ExportedReportSchema>;

/** One stored sample of a run, as the dataset file holds it today, and the text the model was fed. */
export const StoredSampleViewSchema = z
  .object({
    run: RunRefSchema,
    datasetIndex: wholeNumber.nonnegative(),
    label: LabelSchema,
    text: z.string(),
    /** System prompt, blank line, prompt, as fed to the model (the answer cue included). */
    fedText: z.string(),
    /** Set when the dataset file changed since the run (its content hash differs), so the text may not be what ran. */
    warning: z.string().nullable(),
  })
  .strict();
export type StoredSampleView = z.infer<typeof StoredSampleViewSchema>;

/** A binary export made on the engine side, fetched by the browser in chunks. */
export const ExportedArchiveSchema = z
  .object({ fileName: z.string().min(1), mimeType: z.string().min(1), bytes: wholeNumber.nonnegative() })
  .strict();
export type ExportedArchive = z.infer<typeof ExportedArchiveSchema>;

export const ArchiveChunkSchema = z.object({ base64: z.string(), done: z.boolean() }).strict();
export type ArchiveChunk = z.infer<typeof ArchiveChunkSchema>;

export const ExportedVectorsSchema = z
  .object({
    /** The folder on the workbench machine that now holds the .npy files and their JSON indexes. */
    dir: z.string().min(1),
    sampleFiles: wholeNumber.nonnegative(),
    directionFiles: wholeNumber.nonnegative(),
  })
  .strict();
export type ExportedVectors = z.infer<typeof ExportedVectorsSchema>;

/** One layer of a stored linear probe, as the engine computed it. */
export const ProbeLayerViewSchema = z
  .object({
    layer: wholeNumber.nonnegative(),
    accuracy: finite,
    accuracyCi: IntervalSchema,
    balancedAccuracy: finite,
    macroF1: finite,
    /** Standard error of the mean fold accuracy. */
    accuracySe: finite,
    majorityAccuracy: finite,
    /** The same probe trained on labels shuffled within each training part (Hewitt & Liang). */
    controlAccuracy: finite,
    /** accuracy − controlAccuracy. */
    selectivity: finite,
    pValue: finite,
    pValueHolm: finite,
    /** confusion[true][predicted], classes in the probe's class order. */
    confusion: z.array(z.array(wholeNumber.nonnegative())),
    unconvergedFits: wholeNumber.nonnegative(),
  })
  .strict();
export type ProbeLayerView = z.infer<typeof ProbeLayerViewSchema>;

/** A stored linear probe of one run: per layer, how well the label (or a metadata field) is read from its vectors. */
export const ProbeViewSchema = z
  .object({
    run: RunRefSchema,
    /** The metadata field probed; null: the dataset's label. */
    labelField: z.string().nullable(),
    createdAt: z.string(),
    samples: wholeNumber.nonnegative(),
    classes: z.array(z.string()),
    classCounts: z.array(wholeNumber.nonnegative()),
    bestLayer: wholeNumber.nonnegative(),
    earliestWithinOneSe: wholeNumber.nonnegative(),
    /** Layers whose Holm-adjusted p-value is below significanceLevel, ascending. */
    layersBeyondChance: z.array(wholeNumber.nonnegative()),
    folds: wholeNumber.positive(),
    innerFolds: wholeNumber.positive(),
    seed: seedShown,
    confidenceLevel: finite,
    significanceLevel: finite,
    permutations: wholeNumber.nonnegative(),
    layers: z.array(ProbeLayerViewSchema),
  })
  .strict();
export type ProbeView = z.infer<typeof ProbeViewSchema>;

/** A run of an experiment as a probe target: whether it can be probed and which metadata fields it could probe. */
export const ProbeTargetSchema = z
  .object({
    runName: z.string(),
    /** null when it can be probed; else why not (no stored vectors, not completed, imported). */
    unavailable: z.string().nullable(),
    /** Metadata fields of the run's dataset samples; empty when it has none or its dataset cannot be read now. */
    metadataFields: z.array(z.string()),
  })
  .strict();
export type ProbeTarget = z.infer<typeof ProbeTargetSchema>;

/** The most folds a probe may use (as `cotlab-wb probe --folds`). */
export const MAX_PROBE_FOLDS = 20;
