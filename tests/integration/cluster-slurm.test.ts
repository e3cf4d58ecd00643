import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MergedProvenance } from '../../src/results/cluster.js';
import { cli, committedSamples, spawnCli } from '../fixtures/cli-history/cli.js';
import { expectSameAsLocal } from '../helpers/same-as-local.js';
import { slurmUnavailable, startSlurmCluster, waitFor, type SlurmCluster } from '../helpers/slurm-cluster.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// 2 variants x 16 samples in 4 shards of 8: time to requeue a shard while it runs.
const EXPERIMENT = ['experiment.num_samples=16'];
const SHARD_SAMPLES = 8;
const REQUEUED = 1;

let work: TempDir;
let cluster: SlurmCluster | null = null;
let skipReason = slurmUnavailable();

beforeAll(async () => {
  work = makeTempDir('slurm');
  if (skipReason !== null) return;
  try {
    cluster = await startSlurmCluster(work.path('cluster'));
  } catch (error) {
    skipReason = (error as Error).message;
  }
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  work.remove();
}, 90_000);

/** Slurm's state of one job (e.g. 3_1), as the controller knows it. */
function jobState(slurm: SlurmCluster, job: string): { state: string; reason: string } {
  const text = slurm.run('scontrol', ['show', 'job', job]);
  return { state: /JobState=(\S+)/.exec(text)?.[1] ?? 'UNKNOWN', reason: /Reason=(\S+)/.exec(text)?.[1] ?? '' };
}

describe('a plan on a single-node Slurm cluster', () => {
  it('runs the shards as a job array, survives a requeued task, merges after all succeed, and equals a local run', async (context) => {
    if (skipReason !== null || cluster === null) context.skip(`no Slurm cluster: ${skipReason ?? 'not started'}`);
    const slurm = cluster as SlurmCluster;
    const planDir = work.path('plan');
    const history = work.path('history.sqlite');
    const env = { ...slurm.env, COTLAB_WB_CACHE: work.path('cache') };
    const local = { report: work.path('local'), db: work.path('local.sqlite') };
    await cli(['plan', ...EXPERIMENT, '--shards', '4', '--out', planDir]);

    const submitted = await spawnCli(['slurm', planDir, '--gpus-per-task', '0', '--db', history, '--submit'], env);
    expect(submitted.stderr).toMatch(/submitted: shards as job array \d+, merge as job \d+/);
    const [arrayJob, mergeJob] = submitted.stdout.trim().split(' ') as [string, string];
    const task = `${arrayJob}_${REQUEUED}`;

    // Requeue the task mid-run: Slurm stops it and starts it again, and it continues from its stored samples.
    const shardFile = path.join(planDir, 'shards', `shard-00${REQUEUED}.sqlite`);
    await waitFor(`task ${task} to have stored a sample`, 120, () => jobState(slurm, task).state === 'COMPLETED' || committedSamples(shardFile) > 0);
    expect(committedSamples(shardFile)).toBeLessThan(SHARD_SAMPLES);
    slurm.run('scontrol', ['requeue', task]);
    // A requeued job waits (BeginTime) before it is eligible again; release it now.
    await waitFor(`task ${task} to be pending again`, 60, () => jobState(slurm, task).state === 'PENDING');
    slurm.run('scontrol', ['update', `JobId=${task}`, 'StartTime=now']);

    await waitFor(`merge job ${mergeJob} to end`, 240, () => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(jobState(slurm, mergeJob).state));
    expect(jobState(slurm, mergeJob).state).toBe('COMPLETED');
    const report = path.join(planDir, 'report');
    expect(existsSync(path.join(report, 'results.json'))).toBe(true);

    await cli(['run', ...EXPERIMENT, '--no-progress', '--out', local.report, '--db', local.db]);
    const results = expectSameAsLocal({ report, db: history }, local);
    const provenance = (results['capture'] as { cluster: MergedProvenance }).cluster;
    const requeued = provenance.shards[REQUEUED];
    expect(requeued?.attempts.map((attempt) => [attempt.slurm_job, attempt.slurm_restart])).toEqual([
      [task, 0],
      [task, 1],
    ]);
    expect(provenance.shards.filter((shard) => shard.index !== REQUEUED).every((shard) => shard.attempts.length === 1)).toBe(true);

    const status = await spawnCli(['slurm', planDir, '--status'], env);
    expect(status.stdout.match(/COMPLETED/g)).toHaveLength(5);
  }, 300_000);
});
