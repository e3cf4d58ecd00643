import { z } from 'zod';
import { parseJsonExact } from '../config/exact-json.js';
import { seedFromColumns } from './seed-columns.js';
import { StoredValueError } from './store-error.js';
import { blobToFloat32 } from './vector-blob.js';
import { VectorPolicySchema, type VectorPolicy } from './vector-policy.js';
import type { AnalysisSettingsRecord } from '../results/analysis-settings.js';
import type { PairFindings } from '../results/findings.js';
import type { ProbeRecord } from '../results/probe-record.js';
import type {
  ComparisonRecord,
  ExperimentRecord,
  ExperimentSource,
  ExperimentStatus,
  LayerMeanRecord,
  PairRecord,
  RunRecord,
  StoredProbe,
  RunStatus,
  StoredSample,
} from './types.js';
import type { HookPoint, Pooling } from '../results/capture-points.js';
import type { ClusterRecord, ShardAttempt } from '../results/cluster.js';

/** Column names and SQLite types exactly as in schema.ts; the mappers below turn them into records. */
export interface ExperimentRow {
  id: number;
  uid: string;
  name: string;
  status: ExperimentStatus;
  source: ExperimentSource;
  source_path: string | null;
  config_json: string;
  vector_policy_json: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  last_activity_at: string;
  model_name: string | null;
  model_dir: string | null;
  model_hash: string | null;
  demo_model: number;
  execution_provider: string | null;
  execution_provider_note: string | null;
  hook: HookPoint | null;
  pooling: Pooling | null;
  app_version: string | null;
  output_dir: string | null;
  error: string | null;
  writer_pid: number | null;
  writer_host: string | null;
  runtime_json: string | null;
  cluster_json: string | null;
  notes: string;
  /** JSON array of the experiment's tags, sorted (a subquery of the experiment select). */
  tags_json: string;
}

export interface RunRow {
  id: number;
  experiment_id: number;
  run_index: number;
  name: string;
  dataset_name: string;
  dataset_path: string | null;
  dataset_hash: string | null;
  prompt_name: string;
  prompt_options_json: string | null;
  system_prompt: string | null;
  seed: number | null;
  seed_text: string | null;
  num_samples_planned: number;
  sample_indices_json: string | null;
  layer_indices_json: string;
  status: RunStatus;
  completed_samples: number;
}

export interface SampleRow {
  position: number;
  dataset_index: number;
  label_json: string;
  token_count: number;
  truncated: number;
  prompt_hash: string | null;
}

export interface LayerMeanRow {
  layer: number;
  mean: Buffer | null;
  norm: number;
  count: number;
}

export interface ComparisonRow {
  run_a_id: number;
  run_b_id: number;
  run_a_name: string;
  run_b_name: string;
  layer: number;
  cosine: number;
  l2: number;
  centred_cosine: number | null;
  relative_l2: number | null;
  cosine_ci_low: number | null;
  cosine_ci_high: number | null;
  l2_ci_low: number | null;
  l2_ci_high: number | null;
  p_value: number | null;
  n_permutations: number | null;
  cka: number | null;
  p_value_holm: number | null;
  l2_noise_floor: number | null;
  l2_debiased: number | null;
  cohens_d_held_out: number | null;
}

export interface PairRow {
  run_a_id: number;
  run_b_id: number;
  run_a_name: string;
  run_b_name: string;
  findings_json: string;
  analysis_json: string | null;
}

const IndexListSchema = z.array(z.number().int());
const TagListSchema = z.array(z.string());
const LayerScoresSchema = z.array(z.object({ layer: z.number().int(), value: z.number() }).strict());

const PairFindingsSchema: z.ZodType<PairFindings> = z
  .object({
    run_a: z.string(),
    run_b: z.string(),
    mean_cosine_similarity: z.number(),
    mean_l2_distance: z.number(),
    layers: IndexListSchema,
    lowest_cosine_layers: LayerScoresSchema,
    highest_l2_layers: LayerScoresSchema,
    lowest_centred_cosine_layers: LayerScoresSchema,
    highest_relative_l2_layers: LayerScoresSchema,
    p_values_holm: z.array(z.number().nullable()),
    tested_layers: z.number().int().nonnegative(),
    layers_beyond_chance: IndexListSchema.nullable(),
    significance_level: z.number(),
  })
  .strict();

const AnalysisSettingsSchema: z.ZodType<AnalysisSettingsRecord> = z
  .object({
    n_boot: z.number().int().nonnegative(),
    confidence_level: z.number(),
    n_perm: z.number().int().nonnegative(),
    significance_level: z.number(),
    seed: z.union([z.number().int(), z.bigint()]),
    resampling: z.enum(['paired', 'independent']),
  })
  .strict();
const LabelSchema = z.union([z.number(), z.boolean(), z.string(), z.null()]);

export interface ProbeRow {
  id: number;
  run_id: number;
  run_name: string;
  label_field: string | null;
  created_at: string;
  record_json: string;
}

const IntervalPairSchema = z.tuple([z.number(), z.number()]);

const ProbeRecordSchema: z.ZodType<ProbeRecord> = z
  .object({
    run: z.string(),
    label_field: z.string().nullable(),
    created_at: z.string(),
    samples: z.number().int().nonnegative(),
    classes: z.array(z.string()),
    class_counts: z.array(z.number().int().nonnegative()),
    best_layer: z.number().int(),
    earliest_within_one_se: z.number().int(),
    layers_beyond_chance: IndexListSchema,
    settings: z
      .object({
        folds: z.number().int(),
        inner_folds: z.number().int(),
        c_grid: z.array(z.number()),
        seed: z.union([z.number().int(), z.bigint()]),
        bootstrap_resamples: z.number().int(),
        confidence_level: z.number(),
        significance_level: z.number(),
        permutations: z.number().int(),
        permutation_rule: z.string(),
        ridge_lambda_per_sample: z.number(),
      })
      .strict(),
    layers: z.array(
      z
        .object({
          layer: z.number().int(),
          accuracy: z.number(),
          accuracy_ci: IntervalPairSchema,
          balanced_accuracy: z.number(),
          balanced_accuracy_ci: IntervalPairSchema,
          macro_f1: z.number(),
          macro_f1_ci: IntervalPairSchema,
          fold_accuracies: z.array(z.number()),
          accuracy_se: z.number(),
          majority_accuracy: z.number(),
          control_accuracy: z.number(),
          selectivity: z.number(),
          chosen_c: z.array(z.number()),
          confusion: z.array(z.array(z.number().int().nonnegative())),
          ridge_accuracy: z.number(),
          p_value: z.number(),
          p_value_holm: z.number(),
          unconverged_fits: z.number().int().nonnegative(),
        })
        .strict(),
    ),
  })
  .strict();

const ShardAttemptSchema: z.ZodType<ShardAttempt> = z
  .object({
    host: z.string(),
    pid: z.number().int(),
    slurm_job: z.string().nullable(),
    slurm_restart: z.number().int().nonnegative().nullable(),
    started_at: z.string(),
  })
  .strict();

const ClusterSchema: z.ZodType<ClusterRecord> = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('shard'),
      plan_id: z.string().min(1),
      shard_index: z.number().int().nonnegative(),
      shard_count: z.number().int().positive(),
      attempts: z.array(ShardAttemptSchema),
    })
    .strict(),
  z
    .object({
      kind: z.literal('merged'),
      plan_id: z.string().min(1),
      plan_dir: z.string(),
      shard_count: z.number().int().positive(),
      merged_on: z.string(),
      shards: z.array(
        z
          .object({
            index: z.number().int().nonnegative(),
            samples: z.number().int().nonnegative(),
            hosts: z.array(z.string()),
            attempts: z.array(ShardAttemptSchema),
            execution_provider: z.string().nullable(),
            started_at: z.string(),
            ended_at: z.string().nullable(),
            duration_s: z.number().nullable(),
            file: z.string(),
          })
          .strict(),
      ),
    })
    .strict(),
]);

/** experiments.cluster_json as written by the store (see ClusterRecord). */
export function parseCluster(text: string): ClusterRecord {
  return parseJsonColumn('experiments.cluster_json', text, ClusterSchema);
}

/** `parse` keeps big integers exact where a column may hold them (the config's seeds); the default is JSON.parse. */
function parseJsonColumn<T>(column: string, text: string, schema: z.ZodType<T>, parse: (text: string) => unknown = JSON.parse): T {
  let value: unknown;
  try {
    value = parse(text);
  } catch {
    throw new StoredValueError(column, 'not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoredValueError(column, parsed.error.issues[0]?.message ?? 'unexpected value');
  return parsed.data;
}

/** Decodes a stored float32 BLOB, rejecting byte lengths that are not whole values. */
export function decodeVector(column: string, blob: Buffer): Float32Array {
  const vector = blobToFloat32(blob);
  if (vector === null) throw new StoredValueError(column, `${blob.byteLength} bytes is not a whole number of float32 values`);
  return vector;
}

/** An experiment's tags as a sorted JSON array, for the experiment whose id is the SQL expression `id`. */
export function tagsJsonSql(id: string): string {
  return `(SELECT json_group_array(t.tag ORDER BY t.tag) FROM experiment_tags t WHERE t.experiment_id = ${id})`;
}

export function parseTags(text: string): string[] {
  return parseJsonColumn('experiment_tags.tag', text, TagListSchema);
}

export function parseLayerIndices(text: string): number[] {
  return parseJsonColumn('runs.layer_indices_json', text, IndexListSchema);
}

export function parseVectorPolicy(text: string): VectorPolicy {
  return parseJsonColumn('experiments.vector_policy_json', text, VectorPolicySchema);
}

export function experimentFromRow(row: ExperimentRow): ExperimentRecord {
  return {
    id: row.id,
    uid: row.uid,
    name: row.name,
    status: row.status,
    source: row.source,
    sourcePath: row.source_path,
    config: parseJsonColumn('experiments.config_json', row.config_json, z.unknown(), parseJsonExact),
    vectorPolicy: parseVectorPolicy(row.vector_policy_json),
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationS: row.duration_s,
    lastActivityAt: row.last_activity_at,
    modelName: row.model_name,
    modelDir: row.model_dir,
    modelHash: row.model_hash,
    demoModel: row.demo_model === 1,
    executionProvider: row.execution_provider,
    executionProviderNote: row.execution_provider_note,
    hook: row.hook,
    pooling: row.pooling,
    appVersion: row.app_version,
    outputDir: row.output_dir,
    error: row.error,
    writerPid: row.writer_pid,
    writerHost: row.writer_host,
    runtime: row.runtime_json === null ? null : parseJsonColumn('experiments.runtime_json', row.runtime_json, z.unknown()),
    cluster: row.cluster_json === null ? null : parseCluster(row.cluster_json),
    notes: row.notes,
    tags: parseTags(row.tags_json),
  };
}

export function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    runIndex: row.run_index,
    name: row.name,
    datasetName: row.dataset_name,
    datasetPath: row.dataset_path,
    datasetHash: row.dataset_hash,
    promptName: row.prompt_name,
    promptOptions:
      row.prompt_options_json === null
        ? null
        : parseJsonColumn('runs.prompt_options_json', row.prompt_options_json, z.unknown()),
    systemPrompt: row.system_prompt,
    seed: seedFromColumns(row.seed, row.seed_text),
    numSamplesPlanned: row.num_samples_planned,
    sampleIndices:
      row.sample_indices_json === null
        ? null
        : parseJsonColumn('runs.sample_indices_json', row.sample_indices_json, IndexListSchema),
    layerIndices: parseLayerIndices(row.layer_indices_json),
    status: row.status,
    completedSamples: row.completed_samples,
  };
}

export function sampleFromRow(row: SampleRow): StoredSample {
  return {
    position: row.position,
    datasetIndex: row.dataset_index,
    label: parseJsonColumn('samples.label_json', row.label_json, LabelSchema),
    tokenCount: row.token_count,
    truncated: row.truncated === 1,
    promptHash: row.prompt_hash,
  };
}

export function layerMeanFromRow(row: LayerMeanRow): LayerMeanRecord {
  return {
    layer: row.layer,
    mean: row.mean === null ? null : decodeVector('run_layer_means.mean', row.mean),
    norm: row.norm,
    count: row.count,
  };
}

export function comparisonFromRow(row: ComparisonRow): ComparisonRecord {
  return {
    runAId: row.run_a_id,
    runBId: row.run_b_id,
    runAName: row.run_a_name,
    runBName: row.run_b_name,
    layer: row.layer,
    cosine: row.cosine,
    l2: row.l2,
    centredCosine: row.centred_cosine,
    relativeL2: row.relative_l2,
    cosineCiLow: row.cosine_ci_low,
    cosineCiHigh: row.cosine_ci_high,
    l2CiLow: row.l2_ci_low,
    l2CiHigh: row.l2_ci_high,
    pValue: row.p_value,
    nPermutations: row.n_permutations,
    cka: row.cka,
    pValueHolm: row.p_value_holm,
    l2NoiseFloor: row.l2_noise_floor,
    l2Debiased: row.l2_debiased,
    cohensDHeldOut: row.cohens_d_held_out,
  };
}

export function pairFromRow(row: PairRow): PairRecord {
  return {
    runAId: row.run_a_id,
    runBId: row.run_b_id,
    runAName: row.run_a_name,
    runBName: row.run_b_name,
    findings: parseJsonColumn('pair_findings.findings_json', row.findings_json, PairFindingsSchema),
    analysis:
      row.analysis_json === null
        ? null
        : parseJsonColumn('pair_findings.analysis_json', row.analysis_json, AnalysisSettingsSchema, parseJsonExact),
  };
}

export function probeFromRow(row: ProbeRow): StoredProbe {
  return {
    id: row.id,
    runId: row.run_id,
    runName: row.run_name,
    labelField: row.label_field,
    createdAt: row.created_at,
    record: parseJsonColumn('probes.record_json', row.record_json, ProbeRecordSchema, parseJsonExact),
  };
}
