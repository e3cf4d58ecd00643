/**
 * A cluster plan: an experiment's samples chosen exactly as a local run chooses them, fingerprinted, and split into
 * shards that separate processes (Slurm array tasks) compute into history files of their own.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseJsonExact, stringifyJsonExact } from '../config/exact-json.js';
import { RootConfigSchema, type ResolvedConfig } from '../config/schemas.js';
import { ExperimentError } from './errors.js';
import { sha256File } from './file-hash.js';
import { datasetHashesOf, logRuns, prepareJob, type JobContext, type PreparedJob } from './prepare-job.js';

export const PLAN_FILE = 'plan.json';
export const PLAN_CONFIG_FILE = 'config.json';
const PLAN_FORMAT = 'cotlab-wb-cluster-plan';

/** Positions [start, end) of one run's processing order. */
export interface ShardRange {
  run: number;
  start: number;
  end: number;
}

export interface PlannedShard {
  index: number;
  ranges: ShardRange[];
}

export interface PlanRun {
  index: number;
  name: string;
  dataset_path: string;
  dataset_sha256: string;
  /** Dataset indices in processing order, as the local run draws them. */
  sample_indices: number[];
}

export interface ClusterPlan {
  format: typeof PLAN_FORMAT;
  plan_id: string;
  created_at: string;
  app_version: string;
  model: { dir: string; graph: string; sha256: string };
  layers: number[];
  runs: PlanRun[];
  shards: PlannedShard[];
}

const RangeSchema = z.object({ run: z.number().int().nonnegative(), start: z.number().int().nonnegative(), end: z.number().int().nonnegative() }).strict();

const PlanSchema: z.ZodType<ClusterPlan> = z
  .object({
    format: z.literal(PLAN_FORMAT),
    plan_id: z.string().min(1),
    created_at: z.string(),
    app_version: z.string(),
    model: z.object({ dir: z.string(), graph: z.string(), sha256: z.string() }).strict(),
    layers: z.array(z.number().int()),
    runs: z.array(
      z
        .object({
          index: z.number().int().nonnegative(),
          name: z.string(),
          dataset_path: z.string(),
          dataset_sha256: z.string(),
          sample_indices: z.array(z.number().int().nonnegative()),
        })
        .strict(),
    ),
    shards: z.array(z.object({ index: z.number().int().nonnegative(), ranges: z.array(RangeSchema) }).strict()).min(1),
  })
  .strict();

/** A plan folder that cannot be written or read, or a plan a shard or merge cannot go ahead with. */
export class ClusterPlanError extends Error {
  constructor(
    readonly planDir: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`Cluster plan ${planDir}: ${problem}`, options);
    this.name = 'ClusterPlanError';
  }
}

/**
 * Splits the experiment's samples, taken in processing order (run 0's positions, then run 1's, ...), into
 * `shardCount` contiguous parts whose sizes differ by at most one.
 */
export function shardBoundaries(runSizes: readonly number[], shardCount: number): PlannedShard[] {
  const total = runSizes.reduce((sum, size) => sum + size, 0);
  if (!Number.isInteger(shardCount) || shardCount < 1) throw new ExperimentError(`--shards must be a positive integer, got ${shardCount}`, 'shards');
  if (shardCount > total) {
    throw new ExperimentError(`--shards ${shardCount} is more than the experiment's ${total} samples; every shard needs at least one`, 'shards');
  }
  const runStarts = runSizes.map((_, run) => runSizes.slice(0, run).reduce((sum, size) => sum + size, 0));
  return Array.from({ length: shardCount }, (_, index) => {
    const from = Math.floor((index * total) / shardCount);
    const to = Math.floor(((index + 1) * total) / shardCount);
    const ranges = runSizes.flatMap((size, run) => {
      const runStart = runStarts[run] as number;
      const start = Math.max(from, runStart) - runStart;
      const end = Math.min(to, runStart + size) - runStart;
      return end > start ? [{ run, start, end }] : [];
    });
    return { index, ranges };
  });
}

/** The number of samples a shard computes. */
export function shardSize(shard: PlannedShard): number {
  return shard.ranges.reduce((sum, range) => sum + range.end - range.start, 0);
}

/** Where shard `index`'s history file goes by default: PLAN_DIR/shards/shard-007.sqlite. */
export function shardDbPath(planDir: string, index: number): string {
  return path.join(planDir, 'shards', `shard-${String(index).padStart(3, '0')}.sqlite`);
}

/** The history files in PLAN_DIR/shards/ (whatever their names), for messages about files that match no shard. */
export async function shardFilesIn(planDir: string): Promise<string[]> {
  try {
    return (await readdir(path.join(planDir, 'shards'))).filter((name) => name.endsWith('.sqlite')).sort();
  } catch {
    return [];
  }
}

/** Prepares the job exactly as `run` does (the same sampling code), and fingerprints its model and datasets. */
async function fingerprintedJob(config: ResolvedConfig, context: JobContext): Promise<{ job: PreparedJob; modelHash: string; datasetHashes: string[] }> {
  const job = await prepareJob(config, context);
  const [modelHash, datasetHashes] = await Promise.all([sha256File(job.modelDir.graphPath), datasetHashesOf(job.runs)]);
  return { job, modelHash, datasetHashes };
}

/**
 * Writes a plan into `planDir` (config.json and plan.json): the resolved config, every run's samples in processing
 * order, the model and dataset hashes and the shard boundaries. Nothing is computed; a folder that already holds a
 * plan is refused, so shards of two plans never share a folder.
 */
export async function writeClusterPlan(config: ResolvedConfig, shardCount: number, planDir: string, context: JobContext): Promise<ClusterPlan> {
  if (config.dry_run) throw new ExperimentError('dry_run=true only plans the experiment; set dry_run=false to plan it for a cluster', 'dry_run');
  const { job, modelHash, datasetHashes } = await fingerprintedJob(config, context);
  if (context.log) logRuns(job.runs, context.log);
  const plan: ClusterPlan = {
    format: PLAN_FORMAT,
    plan_id: randomUUID(),
    created_at: new Date().toISOString(),
    app_version: context.appVersion,
    model: { dir: job.modelDir.dir, graph: job.modelDir.graphPath, sha256: modelHash },
    layers: job.layers,
    runs: job.runs.map((run) => ({
      index: run.index,
      name: run.name,
      dataset_path: run.dataset.path,
      dataset_sha256: datasetHashes[run.index] as string,
      sample_indices: run.sampleIndices,
    })),
    shards: shardBoundaries(
      job.runs.map((run) => run.sampleIndices.length),
      shardCount,
    ),
  };
  await mkdir(path.join(planDir, 'shards'), { recursive: true });
  try {
    await writeFile(path.join(planDir, PLAN_CONFIG_FILE), `${stringifyJsonExact(config, 2)}\n`, { flag: 'wx' });
    await writeFile(path.join(planDir, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ClusterPlanError(planDir, 'the folder already holds a plan; give another --out folder', { cause: error });
    }
    throw error;
  }
  return plan;
}

/** A plan folder as `writeClusterPlan` wrote it: the plan and its resolved config. */
export async function readClusterPlan(planDir: string): Promise<{ plan: ClusterPlan; config: ResolvedConfig }> {
  const read = async (file: string): Promise<unknown> => {
    let text: string;
    try {
      text = await readFile(path.join(planDir, file), 'utf8');
    } catch (error) {
      throw new ClusterPlanError(planDir, `cannot read ${file} (${(error as Error).message}); is this a folder written by \`cotlab-wb plan\`?`, { cause: error });
    }
    try {
      return parseJsonExact(text);
    } catch (error) {
      throw new ClusterPlanError(planDir, `${file} is not valid JSON (${(error as Error).message})`, { cause: error });
    }
  };
  const plan = PlanSchema.safeParse(await read(PLAN_FILE));
  if (!plan.success) {
    const issue = plan.error.issues[0];
    throw new ClusterPlanError(planDir, `${PLAN_FILE} field ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const config = RootConfigSchema.safeParse(await read(PLAN_CONFIG_FILE));
  if (!config.success) {
    const issue = config.error.issues[0];
    throw new ClusterPlanError(planDir, `${PLAN_CONFIG_FILE} field ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return { plan: plan.data, config: config.data as ResolvedConfig };
}

/**
 * The plan's job prepared on this machine, refused when what this machine reads is not what was planned: another
 * model file, another dataset file, other samples or layers. Each difference is named.
 */
export async function preparePlannedJob(planDir: string, plan: ClusterPlan, config: ResolvedConfig, context: JobContext): Promise<{ job: PreparedJob; modelHash: string; datasetHashes: string[] }> {
  const prepared = await fingerprintedJob(config, context);
  const { job, modelHash, datasetHashes } = prepared;
  const differences: string[] = [];
  if (modelHash !== plan.model.sha256) {
    differences.push(`the model file ${job.modelDir.graphPath} has sha256 ${modelHash.slice(0, 12)}…, the plan's model (${plan.model.graph}) ${plan.model.sha256.slice(0, 12)}…`);
  }
  plan.runs.forEach((planned) => {
    const run = job.runs[planned.index];
    if (run === undefined || run.name !== planned.name) {
      differences.push(`variant ${planned.name} is not part of the experiment here (the configs differ)`);
      return;
    }
    const hash = datasetHashes[planned.index] as string;
    if (hash !== planned.dataset_sha256) {
      differences.push(`the dataset file ${run.dataset.path} of variant ${run.name} has sha256 ${hash.slice(0, 12)}…, the plan's (${planned.dataset_path}) ${planned.dataset_sha256.slice(0, 12)}…`);
    } else if (run.sampleIndices.length !== planned.sample_indices.length || run.sampleIndices.some((index, i) => planned.sample_indices[i] !== index)) {
      differences.push(`variant ${run.name} draws other samples here than the plan lists`);
    }
  });
  if (job.runs.length !== plan.runs.length) differences.push(`the experiment has ${job.runs.length} variants here, the plan ${plan.runs.length}`);
  if (job.layers.join(',') !== plan.layers.join(',')) differences.push(`the model yields layers ${job.layers.join(', ')} here, the plan ${plan.layers.join(', ')}`);
  if (differences.length > 0) throw new ClusterPlanError(planDir, `this machine does not see what was planned: ${differences.join('; ')}`);
  return prepared;
}
