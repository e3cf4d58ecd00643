/** Datasets: formats, sources, column mappings and previews. */
import { z } from 'zod';
import { name, wholeNumber } from './primitives.js';

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
      /** The dataset's name in runs and reports; absent: the file name without its extension. */
      name: name.optional(),
    })
    .strict(),
]);
export type DatasetSource = z.infer<typeof DatasetSourceSchema>;

export const LabelCountSchema = z.object({ label: z.string(), count: wholeNumber.nonnegative() }).strict();
export type LabelCount = z.infer<typeof LabelCountSchema>;

/** How a file would be loaded, told by the engine from its content, and why. */
export const DatasetDetectionSchema = z
  .object({
    format: DatasetFormatSchema,
    /** One sentence naming what in the file gave the format away (and which columns were guessed). */
    reason: z.string(),
    /** Where to start: for `delimited`, the guessed text and label columns and the separator; empty otherwise. */
    mapping: ColumnMappingSchema,
    columns: z.array(z.string()),
  })
  .strict();
export type DatasetDetection = z.infer<typeof DatasetDetectionSchema>;

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

/** Largest dataset file the browser may hand over by drag and drop (serve mode reads paths only inside its data roots). */
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
    /** Samples per label over the whole dataset (empty while a table's text column is not chosen). */
    labels: z.array(LabelCountSchema),
    /** For a file: the format its content shows, to compare with the one chosen; null for bundled datasets. */
    detected: DatasetDetectionSchema.nullable(),
    /** The source to use in later calls (an uploaded file becomes a `file` source). */
    source: DatasetSourceSchema,
  })
  .strict();
export type DatasetPreview = z.infer<typeof DatasetPreviewSchema>;
