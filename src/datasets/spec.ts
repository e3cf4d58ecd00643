import { z } from 'zod';

const classValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);
const classMap = z.record(z.string(), classValue).nullable().default(null);

/**
 * A dataset config group option (configs/dataset/*.yaml). `format` picks the loader; the column fields are used
 * by the generic `delimited` format only.
 */
export const DatasetSpecSchema = z
  .object({
    name: z.string().min(1),
    format: z.enum(['hare_tsv', 'radiology', 'delimited']),
    /** Relative paths resolve against the project root (or the directory the caller names). */
    path: z.string().min(1),
    text_column: z.string().nullable().default(null),
    label_column: z.string().nullable().default(null),
    metadata_columns: z.array(z.string()).default([]),
    /** For `delimited`: ',' or '\t'; null = from the file extension (.tsv → tab, .csv → comma; .jsonl is JSON lines). */
    delimiter: z.string().nullable().default(null),
    /**
     * Classification: gold label -> class, keys and values as text (e.g. HARE scores {"3": "2", "4": "2"}); labels
     * not listed are their own class; null: every label is its own class.
     */
    gold_classes: classMap,
    /** Classification: answer value -> class, as text (e.g. {"yes": "true"}); values not listed are their own class. */
    answer_classes: classMap,
  })
  .strict();

export type DatasetSpec = z.infer<typeof DatasetSpecSchema>;

/** What a loader reads: the spec without the label mapping, which only scoring uses. */
export type LoaderSpec = Omit<DatasetSpec, 'gold_classes' | 'answer_classes'>;
