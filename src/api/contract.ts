/**
 * The one contract between the workbench UI and the engine: every call's request and response as zod schemas.
 * The renderer imports this module (and nothing else from src/); the serve mode and the Electron main process
 * validate every payload against it. Field names are camelCase because this is the UI's vocabulary; the engine
 * adapter maps to and from the engine's CoTLab-style snake_case records.
 */
import { z } from 'zod';

const name = z.string().trim().min(1, 'must not be empty').max(200);
const wholeNumber = z.number().int('must be a whole number');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

// ---------------------------------------------------------------------------------------------- datasets

export const DatasetFormatSchema = z.enum(['hare_tsv', 'radiology', 'delimited']);
export type DatasetFormat = z.infer<typeof DatasetFormatSchema>;

/** How the columns of a delimited/JSON file map onto a sample. */
export const ColumnMappingSchema = z
  .object({
    textColumn: z.string().min(1).nullable(),
    labelColumn: z.string().min(1).nullable(),
    metadataColumns: z.array(z.string().min(1)).max(200),
    /** ',' or '\t'; null = from the file extension. */
    delimiter: z.enum([',', '\t']).nullable(),
  })
  .strict();
export type ColumnMapping = z.infer<typeof ColumnMappingSchema>;

/** Where a dataset comes from: a bundled config option, or a file on this machine. */
export const DatasetSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('bundled'), name }).strict(),
  z
    .object({
      kind: z.literal('file'),
      path: z.string().min(1, 'choose a file'),
      format: DatasetFormatSchema,
      mapping: ColumnMappingSchema,
    })
    .strict(),
]);
export type DatasetSource = z.infer<typeof DatasetSourceSchema>;

export const LabelCountSchema = z.object({ label: z.string(), count: wholeNumber.nonnegative() }).strict();

/** A bundled dataset as the Datasets screen lists it; counts are measured by loading the file, never configured. */
export const DatasetEntrySchema = z
  .object({
    name,
    format: DatasetFormatSchema,
    path: z.string(),
    description: z.string().nullable(),
    /** Samples the file yields; null when it could not be loaded (see `problem`). */
    samples: wholeNumber.nonnegative().nullable(),
    labels: z.array(LabelCountSchema),
    problem: z.string().nullable(),
  })
  .strict();
export type DatasetEntry = z.infer<typeof DatasetEntrySchema>;

export const LabelSchema = z.union([z.number(), z.boolean(), z.string(), z.null()]);

export const SampleRowSchema = z
  .object({
    idx: wholeNumber.nonnegative(),
    text: z.string(),
    label: LabelSchema,
    metadata: z.record(z.string(), z.unknown()),
  })
  .strict();
export type SampleRow = z.infer<typeof SampleRowSchema>;

/** The largest page the preview grid asks for; the grid sorts, filters and pages within it. */
export const MAX_PREVIEW_ROWS = 5000;

/** Largest dataset file the browser may hand over by drag and drop (serve mode has no file paths). */
export const MAX_UPLOAD_CHARS = 24 * 1024 * 1024;

export const DatasetPreviewSchema = z
  .object({
    name,
    path: z.string(),
    format: DatasetFormatSchema,
    totalSamples: wholeNumber.nonnegative(),
    /** Column names found in the file (delimited/JSON), to map; empty for the fixed formats. */
    columns: z.array(z.string()),
    offset: wholeNumber.nonnegative(),
    rows: z.array(SampleRowSchema),
    /** The source to use in later calls (an uploaded file becomes a `file` source). */
    source: DatasetSourceSchema,
  })
  .strict();
export type DatasetPreview = z.infer<typeof DatasetPreviewSchema>;

// ---------------------------------------------------------------------------------------------- prompts

export const OutputFormatSchema = z.enum(['json', 'yaml', 'toml', 'xml', 'markdown', 'plain']);
export type OutputFormat = z.infer<typeof OutputFormatSchema>;

export const PromptOptionsSchema = z
  .object({
    fewShot: z.boolean(),
    answerFirst: z.boolean(),
    contrarian: z.boolean(),
    outputFormat: OutputFormatSchema,
  })
  .strict();
export type PromptOptions = z.infer<typeof PromptOptionsSchema>;

export const PromptChoiceSchema = z.object({ name, options: PromptOptionsSchema }).strict();
export type PromptChoice = z.infer<typeof PromptChoiceSchema>;

export const PromptStrategyInfoSchema = z
  .object({
    name,
    description: z.string().nullable(),
    defaults: PromptOptionsSchema,
    outputFormats: z.array(OutputFormatSchema).min(1),
    /** The dataset formats the prompt is written for; absent: any dataset. Other formats run, with a warning. */
    datasetFormats: z.array(DatasetFormatSchema).min(1).optional(),
  })
  .strict();
export type PromptStrategyInfo = z.infer<typeof PromptStrategyInfoSchema>;

export const PromptPreviewSchema = z
  .object({
    systemPrompt: z.string().nullable(),
    prompt: z.string(),
    /** Exactly what the model is fed (CoTLab: system prompt + blank line + prompt). */
    fullText: z.string(),
    /** Tokens of fullText with the model's tokenizer, BOS included; null when no model could be loaded. */
    tokenCount: wholeNumber.nonnegative().nullable(),
    tokenCountNote: z.string().nullable(),
    sample: SampleRowSchema,
    /** Set when the prompt is written for another dataset format than this dataset's (the run is still allowed). */
    datasetWarning: z.string().nullable(),
  })
  .strict();
export type PromptPreview = z.infer<typeof PromptPreviewSchema>;

// ---------------------------------------------------------------------------------------------- model

export const ExecutionProviderSchema = z.enum(['cuda', 'cpu']);

export const HookTensorsSchema = z
  .object({ layer: wholeNumber.nonnegative(), residPost: z.string().nullable(), cotlab: z.string().nullable() })
  .strict();

/** What the workbench reads in a model folder without running it (`cotlab-wb inspect`). */
export const ModelInspectionSchema = z
  .object({
    dir: z.string(),
    /** True when the residual stream after every layer can be located. */
    ok: z.boolean(),
    modelType: z.string().nullable(),
    numLayers: wholeNumber.nonnegative().nullable(),
    hiddenSize: wholeNumber.nonnegative().nullable(),
    dtype: z.string().nullable(),
    quantization: z.string().nullable(),
    exportStyle: z.string().nullable(),
    exportStyleDescription: z.string().nullable(),
    opset: wholeNumber.nonnegative().nullable(),
    graphFile: z.string().nullable(),
    embeddingFile: z.string().nullable(),
    externalDataFiles: z.array(z.string()),
    hookTensors: z.array(HookTensorsSchema),
    /** The provider a run will try first with the configured device (it falls back to CPU when CUDA cannot start). */
    executionProvider: ExecutionProviderSchema.nullable(),
    executionProviderNote: z.string().nullable(),
    demoModel: z.boolean(),
    /** What is wrong with the folder, one sentence each; empty when it is usable. */
    problems: z.array(z.string()),
  })
  .strict();
export type ModelInspection = z.infer<typeof ModelInspectionSchema>;

// ---------------------------------------------------------------------------------------------- experiments

export const PoolingSchema = z.enum(['mean', 'last_token']);
export const ComparisonModeSchema = z.enum(['pairwise', 'baseline']);
export const HookPointSchema = z.enum(['resid_post', 'hf_hidden_states', 'cotlab']);

export const VariantSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'give the variant a name')
      .max(80)
      .regex(/^[A-Za-z0-9_.-]+$/, 'use letters, digits, dot, dash or underscore'),
    dataset: DatasetSourceSchema,
    prompt: PromptChoiceSchema,
    /** null = the whole dataset (CoTLab semantics). */
    numSamples: wholeNumber.min(1, 'must be at least 1').nullable(),
    seed: wholeNumber.min(0).max(2 ** 32 - 1),
  })
  .strict();
export type Variant = z.infer<typeof VariantSchema>;

export const ExperimentRequestSchema = z
  .object({
    /** null = the configured default model (the bundled demo model). */
    modelDir: z.string().min(1).nullable(),
    variants: z
      .array(VariantSchema)
      .min(1, 'add at least one variant')
      .max(12)
      .refine((vs) => new Set(vs.map((v) => v.name)).size === vs.length, 'variant names must be unique'),
    /** null = every layer. */
    layers: z.array(wholeNumber.nonnegative()).min(1).nullable(),
    pooling: PoolingSchema,
    comparisonMode: ComparisonModeSchema,
    hook: HookPointSchema,
    maxInputTokens: wholeNumber.min(1).nullable(),
  })
  .strict();
export type ExperimentRequest = z.infer<typeof ExperimentRequestSchema>;

export const RunStateSchema = z.enum(['starting', 'running', 'completed', 'cancelled', 'failed']);
export type RunState = z.infer<typeof RunStateSchema>;

/** One progress report of a running experiment (WebSocket /api/progress, IPC `cotlab:progress`). */
export const ProgressEventSchema = z
  .object({
    runId: z.string().min(1),
    state: RunStateSchema,
    variantName: z.string().nullable(),
    variantIndex: wholeNumber.nonnegative(),
    variantCount: wholeNumber.nonnegative(),
    samplesDone: wholeNumber.nonnegative(),
    samplesTotal: wholeNumber.nonnegative(),
    samplesPerSecond: finite.nonnegative().nullable(),
    etaSeconds: finite.nonnegative().nullable(),
    message: z.string().nullable(),
    /** The stored experiment, once it exists in the history. */
    experimentId: z.string().nullable(),
  })
  .strict();
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

// ---------------------------------------------------------------------------------------------- history and results

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
    seed: wholeNumber,
    pooling: PoolingSchema,
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

/** How the analytics were computed, to say so beside them. */
export const AnalysisSettingsSchema = z
  .object({
    confidenceLevel: finite,
    bootstrapResamples: wholeNumber.nonnegative(),
    permutations: wholeNumber.nonnegative(),
    significanceLevel: finite,
    seed: wholeNumber,
  })
  .strict();
export type AnalysisSettings = z.infer<typeof AnalysisSettingsSchema>;

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

// ---------------------------------------------------------------------------------------------- the calls

const Empty = z.object({}).strict();

/** Every call: its request and response schema. The HTTP route is POST /api/<method>; the IPC channel is `cotlab:api`. */
export const apiContract = {
  listDatasets: { request: Empty, response: z.object({ datasets: z.array(DatasetEntrySchema) }).strict() },
  loadDatasetPreview: {
    request: z
      .object({
        source: DatasetSourceSchema,
        offset: wholeNumber.nonnegative().default(0),
        limit: wholeNumber.min(1).max(MAX_PREVIEW_ROWS).default(MAX_PREVIEW_ROWS),
      })
      .strict(),
    response: DatasetPreviewSchema,
  },
  uploadDataset: {
    request: z
      .object({
        fileName: z
          .string()
          .min(1)
          .max(255)
          .regex(/\.(tsv|csv|json|jsonl)$/i, 'only .tsv, .csv, .json or .jsonl files can be opened'),
        content: z.string().max(MAX_UPLOAD_CHARS, 'the file is larger than 24 MB'),
      })
      .strict(),
    /** Where the workbench stored the file; use it as a `file` source. */
    response: z.object({ path: z.string().min(1) }).strict(),
  },
  listPrompts: { request: Empty, response: z.object({ prompts: z.array(PromptStrategyInfoSchema) }).strict() },
  previewPrompt: {
    request: z
      .object({
        prompt: PromptChoiceSchema,
        dataset: DatasetSourceSchema,
        sampleIdx: wholeNumber.nonnegative(),
        modelDir: z.string().min(1).nullable(),
      })
      .strict(),
    response: PromptPreviewSchema,
  },
  inspectModel: {
    request: z.object({ dir: z.string().min(1).nullable() }).strict(),
    response: ModelInspectionSchema,
  },
  startExperiment: {
    request: ExperimentRequestSchema,
    response: z.object({ runId: z.string().min(1) }).strict(),
  },
  /** Continues an interrupted experiment from its next sample, as `cotlab-wb resume` does. */
  resumeExperiment: {
    request: z.object({ id: z.string().min(1) }).strict(),
    response: z.object({ runId: z.string().min(1) }).strict(),
  },
  cancelExperiment: {
    request: z.object({ runId: z.string().min(1) }).strict(),
    response: z.object({ cancelled: z.boolean() }).strict(),
  },
  experimentStatus: {
    request: z.object({ runId: z.string().min(1) }).strict(),
    response: ProgressEventSchema,
  },
  listExperiments: {
    request: z
      .object({
        search: z.string().max(200).default(''),
        status: ExperimentStatusSchema.nullable().default(null),
        limit: wholeNumber.min(1).max(500).default(100),
        offset: wholeNumber.nonnegative().default(0),
      })
      .strict(),
    response: z.object({ items: z.array(ExperimentSummarySchema), total: wholeNumber.nonnegative() }).strict(),
  },
  getExperiment: {
    request: z.object({ id: z.string().min(1) }).strict(),
    response: ResultSetSchema,
  },
  deleteExperiment: {
    request: z.object({ id: z.string().min(1) }).strict(),
    response: z.object({ deleted: z.boolean() }).strict(),
  },
  compareRuns: {
    request: z.object({ runs: z.array(RunRefSchema).min(2, 'pick at least two runs').max(12) }).strict(),
    response: ResultSetSchema,
  },
  layerDetail: {
    request: z.object({ runA: RunRefSchema, runB: RunRefSchema, layer: wholeNumber.nonnegative() }).strict(),
    response: LayerDetailSchema,
  },
  exportReport: {
    request: z.object({ experimentId: z.string().min(1), format: ExportFormatSchema }).strict(),
    response: ExportedReportSchema,
  },
  /** Per-sample vectors and diff-in-means directions as .npy files (`cotlab-wb export --format npy`). */
  exportVectors: {
    request: z
      .object({
        experimentId: z.string().min(1),
        /** null: a `vectors` folder inside the experiment's report folder. */
        dir: z.string().min(1).nullable(),
      })
      .strict(),
    response: ExportedVectorsSchema,
  },
} as const;

export type ApiContract = typeof apiContract;
export type ApiMethod = keyof ApiContract;
/** What a caller may send (defaults still optional). */
export type ApiRequestInput<M extends ApiMethod> = z.input<ApiContract[M]['request']>;
/** What a handler receives after validation (defaults filled in). */
export type ApiRequest<M extends ApiMethod> = z.output<ApiContract[M]['request']>;
export type ApiResponse<M extends ApiMethod> = z.output<ApiContract[M]['response']>;

export const API_METHODS = Object.keys(apiContract) as ApiMethod[];

/** The calls that start, follow and stop experiment runs; every other call reads or writes data and the history. */
export const RUN_METHODS = ['startExperiment', 'resumeExperiment', 'cancelExperiment', 'experimentStatus'] as const satisfies readonly ApiMethod[];
export type RunMethod = (typeof RUN_METHODS)[number];
export type ServiceMethod = Exclude<ApiMethod, RunMethod>;
export const SERVICE_METHODS = API_METHODS.filter((method): method is ServiceMethod => !(RUN_METHODS as readonly string[]).includes(method));

export function isApiMethod(method: string): method is ApiMethod {
  return Object.hasOwn(apiContract, method);
}

// ---------------------------------------------------------------------------------------------- errors on the wire

export const ApiErrorCodeSchema = z.enum(['bad_request', 'unknown_method', 'not_found', 'engine_error', 'unauthorized']);
export type ApiErrorCode = z.infer<typeof ApiErrorCodeSchema>;

export const ApiErrorBodySchema = z
  .object({
    error: z
      .object({
        code: ApiErrorCodeSchema,
        message: z.string(),
        /** Where the problem is: one entry per invalid field, or file/line context from the engine. */
        details: z.array(z.string()),
      })
      .strict(),
  })
  .strict();
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

/** The outcome of one call, as the dispatcher and the IPC bridge return it. */
export type ApiOutcome<M extends ApiMethod> =
  | { ok: true; data: ApiResponse<M> }
  | { ok: false; error: ApiErrorBody['error'] };

// ---------------------------------------------------------------------------------------------- desktop bridge

/** What the Electron preload exposes as `window.cotlab` (absent in serve mode). */
export interface CotlabDesktopBridge {
  call(method: ApiMethod, payload: unknown): Promise<ApiOutcome<ApiMethod>>;
  onProgress(listener: (event: unknown) => void): () => void;
  openDatasetFile(): Promise<string | null>;
  openModelFolder(): Promise<string | null>;
  chooseExportFolder(): Promise<string | null>;
  saveReport(fileName: string, content: string): Promise<string | null>;
  printToPdf(fileName: string): Promise<string | null>;
}

/** The desktop-only calls the preload forwards to the main process (channel `cotlab:desktop`). */
export const DesktopRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('openDatasetFile') }).strict(),
  z.object({ action: z.literal('openModelFolder') }).strict(),
  z.object({ action: z.literal('chooseExportFolder') }).strict(),
  z.object({ action: z.literal('saveReport'), fileName: z.string().min(1).max(255), content: z.string() }).strict(),
  z.object({ action: z.literal('printToPdf'), fileName: z.string().min(1).max(255) }).strict(),
]);
export type DesktopRequest = z.infer<typeof DesktopRequestSchema>;

/** Turns zod issues into one-line, field-qualified messages a researcher can act on. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'request';
    return `${where}: ${issue.message}`;
  });
}
