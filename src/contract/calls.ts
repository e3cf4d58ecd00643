/** Every call: its request and response schema. */
import { z } from 'zod';
import { wholeNumber } from './primitives.js';
import { DatasetDetectionSchema, DatasetEntrySchema, DatasetPreviewSchema, DatasetSourceSchema, MAX_PREVIEW_ROWS, MAX_UPLOAD_CHARS } from './datasets.js';
import { PromptChoiceSchema, PromptPreviewSchema, PromptStrategyInfoSchema } from './prompts.js';
import { ModelInspectionSchema } from './model.js';
import { ClusterPlanSummarySchema, MAX_PLAN_SHARDS, MergedPlanSchema } from './cluster.js';
import { ExperimentDefaultsSchema, ExperimentRequestSchema, ExperimentSettingsSchema, ProgressEventSchema } from './experiments.js';
import {
  AnnotationsSchema,
  ArchiveChunkSchema,
  ExperimentStatusSchema,
  ExperimentSummarySchema,
  ExportedArchiveSchema,
  ExportFormatSchema,
  ExportedReportSchema,
  ExportedVectorsSchema,
  LayerDetailSchema,
  MAX_PROBE_FOLDS,
  ProbeTargetSchema,
  ProbeViewSchema,
  ResultSetSchema,
  RunRefSchema,
  StoredSampleViewSchema,
} from './results.js';

/** A tag: letters, digits and _ . : -, not starting with + or - (which add and remove on the command line). */
export const TagSchema = z
  .string()
  .regex(/^[\p{L}\p{N}_][\p{L}\p{N}_.:-]{0,39}$/u, 'a tag is 1 to 40 letters, digits or _ . : -, starting with a letter, digit or _');

/** Largest piece of a binary export one call returns (base64 makes it a third larger on the wire). */
export const MAX_ARCHIVE_CHUNK_BYTES = 8 * 1024 * 1024;

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
  /** How a file on the workbench machine would load, told from its content (format, separator, guessed columns). */
  detectDatasetFormat: {
    request: z.object({ path: z.string().min(1, 'choose a file') }).strict(),
    response: DatasetDetectionSchema,
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
    /** Where the workbench stored the file (under its own name, suffixed only when another file has it); use it as a `file` source. */
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
  /** The experiment the configs describe (configs/config.yaml composed): what a new Experiment form starts from. */
  experimentDefaults: { request: Empty, response: ExperimentDefaultsSchema },
  /** The settings a stored experiment ran with, read from its recorded config. */
  experimentSettings: {
    request: z.object({ id: z.string().min(1) }).strict(),
    response: ExperimentSettingsSchema,
  },
  startExperiment: {
    request: ExperimentRequestSchema,
    response: z.object({ runId: z.string().min(1) }).strict(),
  },
  /** Plans the experiment for a Slurm cluster into a folder, as `cotlab-wb plan` does; nothing is computed. */
  planForCluster: {
    request: z
      .object({
        experiment: ExperimentRequestSchema,
        shards: wholeNumber.min(1, 'at least one shard').max(MAX_PLAN_SHARDS, `at most ${MAX_PLAN_SHARDS} shards`),
        dir: z.string().min(1, 'choose a folder for the plan'),
      })
      .strict(),
    response: ClusterPlanSummarySchema,
  },
  /** Merges a computed plan's shards into the history as one experiment, as `cotlab-wb merge` does. */
  importMergedPlan: {
    request: z.object({ dir: z.string().min(1, 'choose the plan folder') }).strict(),
    response: MergedPlanSchema,
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
    response: z
      .object({
        items: z.array(ExperimentSummarySchema),
        total: wholeNumber.nonnegative(),
        /** How many experiments of the whole history have each status (only statuses that occur). */
        statusCounts: z.array(z.object({ status: ExperimentStatusSchema, count: wholeNumber.nonnegative() }).strict()),
      })
      .strict(),
  },
  /** Changes an experiment's notes and tags (what is left out stays); answers them as now stored. */
  annotateExperiment: {
    request: z
      .object({
        id: z.string().min(1),
        notes: z.string().max(20_000, 'notes are limited to 20,000 characters').optional(),
        addTags: z.array(TagSchema).max(50).default([]),
        removeTags: z.array(TagSchema).max(50).default([]),
      })
      .strict(),
    response: AnnotationsSchema,
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
  /** Runs picked from any experiments, compared and written like an experiment's report (markdown, html or csv). */
  exportComparison: {
    request: z
      .object({ runs: z.array(RunRefSchema).min(2, 'pick at least two runs').max(12), format: z.enum(['markdown', 'html', 'csv']) })
      .strict(),
    response: ExportedReportSchema,
  },
  /**
   * Probes one stored run's vectors (no forward pass) and stores the probe with its experiment, as `cotlab-wb probe`
   * does. Withdrawing the call (serve mode) stops the probe; nothing is stored then.
   */
  probeRun: {
    request: z
      .object({
        run: RunRefSchema,
        folds: wholeNumber.min(2, 'use at least 2 folds').max(MAX_PROBE_FOLDS, `use at most ${MAX_PROBE_FOLDS} folds`).default(5),
        /** A metadata field of the run's dataset to probe instead of its label; null: the label. */
        labelField: z.string().min(1).max(200).nullable().default(null),
      })
      .strict(),
    response: z.object({ probe: ProbeViewSchema }).strict(),
  },
  /** An experiment's stored probes (the newest of each run and label, in run order) and what each run can probe. */
  experimentProbes: {
    request: z.object({ experimentId: z.string().min(1) }).strict(),
    response: z.object({ probes: z.array(ProbeViewSchema), targets: z.array(ProbeTargetSchema) }).strict(),
  },
  /** One stored sample of a run: its text and label from the dataset file, and the text the model was fed. */
  storedSample: {
    request: z.object({ run: RunRefSchema, position: wholeNumber.nonnegative() }).strict(),
    response: StoredSampleViewSchema,
  },
  /** The .npy export of an experiment as one tar file made on the engine side; fetch it with readExportChunk. */
  exportVectorsArchive: {
    request: z.object({ experimentId: z.string().min(1) }).strict(),
    response: ExportedArchiveSchema,
  },
  /** A piece of an archive made by exportVectorsArchive. */
  readExportChunk: {
    request: z
      .object({
        experimentId: z.string().min(1),
        fileName: z.string().min(1).max(255),
        offset: wholeNumber.nonnegative(),
        length: wholeNumber.min(1).max(MAX_ARCHIVE_CHUNK_BYTES),
      })
      .strict(),
    response: ArchiveChunkSchema,
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
