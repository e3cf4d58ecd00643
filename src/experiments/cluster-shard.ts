/**
 * Computing one shard of a cluster plan into its own history file. A shard is an experiment of the plan's config
 * whose samples outside the shard are never computed; each sample is committed on its own, so a killed shard is
 * taken up again from its next sample, like `resume`.
 */
import { hostname } from 'node:os';
import type { ShardAttempt, ShardIdentity } from '../results/cluster.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentDetail } from '../store/types.js';
import { runSamples, throughput, type ProgressEvent } from './activation-compare.js';
import { readClusterPlan, preparePlannedJob, shardSize, ClusterPlanError, type ClusterPlan } from './cluster-plan.js';
import { ExperimentCancelledError } from './errors.js';
import { isDemoModel, logModel, openJobModel, type JobContext } from './prepare-job.js';
import { ExperimentRecorder } from './record-to-store.js';

export interface ShardHooks {
  onProgress?: (event: ProgressEvent) => void;
  signal?: AbortSignal;
}

export interface ShardResult {
  experimentId: number;
  /** Samples of the shard, those computed by this process, and those an earlier attempt had stored. */
  total: number;
  computed: number;
  reused: number;
  /** The shard had already completed: nothing was done. */
  alreadyComplete: boolean;
}

/** This process as an attempt at a shard; under Slurm, the array task and how often it was requeued. */
export function currentAttempt(env: NodeJS.ProcessEnv, now: Date = new Date()): ShardAttempt {
  const arrayJob = env['SLURM_ARRAY_JOB_ID'];
  const arrayTask = env['SLURM_ARRAY_TASK_ID'];
  const job = arrayJob !== undefined && arrayTask !== undefined ? `${arrayJob}_${arrayTask}` : (env['SLURM_JOB_ID'] ?? null);
  const restart = Number.parseInt(env['SLURM_RESTART_COUNT'] ?? '', 10);
  return {
    host: hostname(),
    pid: process.pid,
    slurm_job: job,
    slurm_restart: job === null ? null : Number.isInteger(restart) ? restart : 0,
    started_at: now.toISOString(),
  };
}

/** The shard's experiment already in this history file, if any; a file holding another shard of the plan is refused. */
function existingShard(store: HistoryStore, planDir: string, plan: ClusterPlan, index: number): (ExperimentDetail & { cluster: ShardIdentity }) | null {
  const found = store
    .experimentsOfPlan(plan.plan_id)
    .map((id) => store.getExperiment(id))
    .filter((experiment): experiment is ExperimentDetail & { cluster: ShardIdentity } => experiment.cluster?.kind === 'shard');
  const other = found.find((experiment) => experiment.cluster.shard_index !== index);
  if (other !== undefined) {
    throw new ClusterPlanError(planDir, `${store.dbPath} holds shard ${other.cluster.shard_index} of this plan, not shard ${index}; give each shard its own --db file`);
  }
  return found[0] ?? null;
}

/**
 * A shard left running by an attempt that cannot have survived: Slurm runs one instance of an array task, so an
 * earlier attempt of the same task (requeued after a node failure, on a host this one cannot check) is gone.
 */
function takeOverFromGoneWriter(store: HistoryStore, planDir: string, experiment: ExperimentDetail & { cluster: ShardIdentity }, attempt: ShardAttempt): void {
  const last = experiment.cluster.attempts.at(-1);
  const sameTask = attempt.slurm_job !== null && last?.slurm_job === attempt.slurm_job;
  if (!sameTask || experiment.writerHost === null || experiment.writerPid === null) {
    throw new ClusterPlanError(
      planDir,
      `shard ${experiment.cluster.shard_index} in ${store.dbPath} is still being computed by process ${experiment.writerPid ?? '?'} on ${experiment.writerHost ?? '?'}`,
    );
  }
  store.markWriterGone(experiment.id, { host: experiment.writerHost, pid: experiment.writerPid });
}

/**
 * Computes shard `index` of the plan in `planDir` into `store`, continuing from the samples an earlier attempt
 * stored. Refused when this machine's model or datasets are not those the plan was made with.
 */
export async function runShard(
  planDir: string,
  index: number,
  store: HistoryStore,
  context: JobContext,
  hooks: ShardHooks = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<ShardResult> {
  const sessionStart = new Date();
  const log = context.log ?? (() => undefined);
  const { plan, config } = await readClusterPlan(planDir);
  const shard = plan.shards[index];
  if (shard === undefined || !Number.isInteger(index)) {
    throw new ClusterPlanError(planDir, `it has ${plan.shards.length} shards (--index 0 to ${plan.shards.length - 1}), not shard ${index}`);
  }
  const total = shardSize(shard);
  const attempt = currentAttempt(env, sessionStart);
  let existing = existingShard(store, planDir, plan, index);
  if (existing?.status === 'completed') {
    log(`shard ${index}: already complete in ${store.dbPath} (experiment ${existing.id}); nothing to do`);
    return { experimentId: existing.id, total, computed: 0, reused: total, alreadyComplete: true };
  }
  if (existing?.status === 'running') {
    takeOverFromGoneWriter(store, planDir, existing, attempt);
    existing = existingShard(store, planDir, plan, index);
  }
  const { job, modelHash, datasetHashes } = await preparePlannedJob(planDir, plan, config, context);
  const host = await openJobModel(job, context.cacheDir);
  try {
    logModel(host, config, log);
    let recorder: ExperimentRecorder;
    let previousDurationS = 0;
    const stored = new Set<string>();
    if (existing === null) {
      recorder = ExperimentRecorder.start(store, {
        config,
        runs: job.runs,
        host,
        modelDir: job.modelDir.dir,
        demoModel: isDemoModel(job.modelDir),
        modelHash,
        datasetHashes,
        vectorPolicy: 'all',
        appVersion: context.appVersion,
        outputDir: null,
        startedAt: sessionStart,
        cluster: { kind: 'shard', plan_id: plan.plan_id, shard_index: index, shard_count: plan.shards.length, attempts: [attempt] },
      });
    } else {
      store.resumeExperiment(existing.id);
      store.setCluster(existing.id, { ...existing.cluster, attempts: [...existing.cluster.attempts, attempt] });
      previousDurationS = existing.durationS ?? 0;
      for (const run of existing.runs) {
        for (const sample of store.getRunSamples(run.id)) stored.add(`${run.runIndex}:${sample.position}`);
      }
      recorder = ExperimentRecorder.resume(
        store,
        existing.id,
        existing.runs.map((run) => run.id),
        new Set(),
      );
    }
    log(`shard ${index} of ${plan.shards.length}: ${total} samples, ${stored.size} already stored, into ${store.dbPath} (experiment ${recorder.experimentId})`);
    const sessionDuration = () => (Date.now() - sessionStart.getTime()) / 1000;
    let done = stored.size;
    let computed = 0;
    try {
      for (const range of shard.ranges) {
        const run = job.runs[range.run];
        if (run === undefined) throw new ClusterPlanError(planDir, `shard ${index} names variant ${range.run}, which the plan does not have`);
        const positions: number[] = [];
        for (let position = range.start; position < range.end; position++) {
          if (!stored.has(`${range.run}:${position}`)) positions.push(position);
        }
        for await (const { position, captured } of runSamples(host, run, positions, config.experiment, { signal: hooks.signal }, () => done)) {
          if (captured === null) continue;
          recorder.recordSample(captured);
          computed++;
          done++;
          hooks.onProgress?.({
            run: run.name,
            runIndex: run.index,
            runCount: job.runs.length,
            runDone: position + 1 - range.start,
            runTotal: range.end - range.start,
            done,
            total,
            ...throughput(computed, sessionDuration(), done, total),
          });
        }
      }
    } catch (error) {
      const cancelled = error instanceof ExperimentCancelledError;
      try {
        recorder.finish({
          status: cancelled ? 'interrupted' : 'failed',
          endedAt: new Date(),
          durationS: previousDurationS + sessionDuration(),
          error: cancelled ? 'stopped on request' : error instanceof Error ? error.message : String(error),
        });
      } catch {
        // The history itself may be what failed; the next attempt finds the shard interrupted.
      }
      throw error;
    }
    recorder.finish({ status: 'completed', endedAt: new Date(), durationS: previousDurationS + sessionDuration() });
    return { experimentId: recorder.experimentId, total, computed, reused: stored.size, alreadyComplete: false };
  } finally {
    await host.dispose();
  }
}
