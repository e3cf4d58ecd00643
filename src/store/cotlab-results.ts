import { z } from 'zod';
import { SeedSchema } from '../config/seed.js';

/** A CoTLab results.json that cannot be imported, naming the file and the offending field. */
export class CotlabResultsError extends Error {
  readonly sourcePath: string;
  /** Dotted path of the field, e.g. `raw_outputs.0.runs.1.layer_indices`. */
  readonly field: string;

  constructor(sourcePath: string, field: string, problem: string) {
    super(`Cannot import ${sourcePath} as a CoTLab activation_compare results.json: ${field}: ${problem}.`);
    this.name = 'CotlabResultsError';
    this.sourcePath = sourcePath;
    this.field = field;
  }
}

const layerList = z.array(z.number().int().nonnegative());

const RunSchema = z
  .object({
    name: z.string().min(1),
    dataset: z.string(),
    prompt: z.string(),
    num_samples: z.number().int().nonnegative(),
    seed: SeedSchema.nullable(),
    pooling: z.enum(['mean', 'last_token']),
    layer_indices: layerList,
    mean_activation_norms: z.array(z.number()),
    system_prompt: z.string().nullable().default(null),
  })
  .refine((run) => run.mean_activation_norms.length === run.layer_indices.length, {
    message: 'needs one norm per layer index',
    path: ['mean_activation_norms'],
  });

const ComparisonSchema = z
  .object({
    run_a: z.string(),
    run_b: z.string(),
    layer_indices: layerList,
    mean_cosine_similarity: z.number(),
    mean_l2_distance: z.number(),
    // Absent when CoTLab ran with store_per_layer: false; then only the means over layers are known.
    layer_cosine_similarity: z.array(z.number()).optional(),
    layer_l2_distance: z.array(z.number()).optional(),
  })
  .refine(
    (comparison) =>
      (comparison.layer_cosine_similarity === undefined) === (comparison.layer_l2_distance === undefined) &&
      (comparison.layer_cosine_similarity === undefined ||
        (comparison.layer_cosine_similarity.length === comparison.layer_indices.length &&
          comparison.layer_l2_distance?.length === comparison.layer_indices.length)),
    { message: 'needs one cosine and one L2 value per layer index, or neither', path: ['layer_indices'] },
  );

const ZONE_SUFFIX = /(?:[zZ]|[+-]\d{2}:?\d{2})$/;

/**
 * A time as CoTLab wrote it: Python's `datetime.now().isoformat()` has no zone, so it is the wall-clock time of the
 * machine that ran it. It is read the same way on every machine (as UTC), so a file means the same instant
 * wherever it is imported; a time with a zone is read with it.
 */
export function cotlabTime(text: string): Date {
  return new Date(ZONE_SUFFIX.test(text.trim()) ? text : `${text.trim()}Z`);
}

const isoTime = z.string().refine((text) => !Number.isNaN(cotlabTime(text).getTime()), 'is not a date and time');

/** The parts of results.json (spec §1.7) that the history keeps; other keys are ignored. */
const CotlabResultsSchema = z.object({
  metadata: z.object({ config: z.record(z.string(), z.unknown()), start_time: isoTime }),
  experiment: z.string().min(1),
  model: z.string(),
  metrics: z.object({ pooling: z.enum(['mean', 'last_token']) }),
  raw_outputs: z.tuple([z.object({ runs: z.array(RunSchema).min(1), comparisons: z.array(ComparisonSchema) })]),
  end_time: isoTime,
  duration_seconds: z.number().nonnegative(),
});

export type CotlabResults = z.infer<typeof CotlabResultsSchema>;

/** Validates a parsed results.json, and that every comparison names runs that exist in it. */
export function parseCotlabResults(json: unknown, sourcePath: string): CotlabResults {
  const parsed = CotlabResultsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CotlabResultsError(sourcePath, issue?.path.join('.') || '(top level)', issue?.message ?? 'invalid');
  }
  const { runs, comparisons } = parsed.data.raw_outputs[0];
  const runNames = new Set(runs.map((run) => run.name));
  if (runNames.size !== runs.length) {
    throw new CotlabResultsError(sourcePath, 'raw_outputs.0.runs', 'two runs share a name');
  }
  comparisons.forEach((comparison, index) => {
    for (const side of ['run_a', 'run_b'] as const) {
      if (!runNames.has(comparison[side])) {
        throw new CotlabResultsError(
          sourcePath,
          `raw_outputs.0.comparisons.${index}.${side}`,
          `names run "${comparison[side]}", which is not among the runs`,
        );
      }
    }
  });
  return parsed.data;
}
