import { describe, expect, it } from 'vitest';
import { shardBoundaries, shardSize, type ClusterPlan } from '../../src/experiments/cluster-plan.js';
import { currentAttempt } from '../../src/experiments/cluster-shard.js';
import { slurmScripts } from '../../src/experiments/cluster-slurm.js';
import { describeProvenance, type MergedProvenance } from '../../src/results/cluster.js';

describe('shard boundaries', () => {
  it('splits the samples in processing order into contiguous parts whose sizes differ by at most one', () => {
    // 8 samples, 3 shards: samples [0, 2), [2, 5), [5, 8) of the order run 0 (5 samples), then run 1 (3 samples).
    expect(shardBoundaries([5, 3], 3)).toEqual([
      { index: 0, ranges: [{ run: 0, start: 0, end: 2 }] },
      { index: 1, ranges: [{ run: 0, start: 2, end: 5 }] },
      { index: 2, ranges: [{ run: 1, start: 0, end: 3 }] },
    ]);
  });

  it('lets a shard span the end of one run and the start of the next', () => {
    // 8 samples, 3 shards: [0, 2), [2, 5), [5, 8); the middle one holds run 0's 2-3 and run 1's 0.
    expect(shardBoundaries([4, 4], 3)).toEqual([
      { index: 0, ranges: [{ run: 0, start: 0, end: 2 }] },
      { index: 1, ranges: [{ run: 0, start: 2, end: 4 }, { run: 1, start: 0, end: 1 }] },
      { index: 2, ranges: [{ run: 1, start: 1, end: 4 }] },
    ]);
  });

  it('covers every sample exactly once', () => {
    const runs = [7, 1, 12];
    const shards = shardBoundaries(runs, 5);
    expect(shards.map(shardSize)).toEqual([4, 4, 4, 4, 4]);
    const covered = shards.flatMap((shard) =>
      shard.ranges.flatMap((range) => Array.from({ length: range.end - range.start }, (_, k) => `${range.run}:${range.start + k}`)),
    );
    const all = runs.flatMap((size, run) => Array.from({ length: size }, (_, position) => `${run}:${position}`));
    expect(covered).toEqual(all);
  });

  it('refuses more shards than samples, and a shard count below one', () => {
    expect(() => shardBoundaries([2, 1], 4)).toThrow(/--shards 4 is more than the experiment's 3 samples/);
    expect(() => shardBoundaries([2, 1], 0)).toThrow(/--shards must be a positive integer/);
  });
});

describe('a shard attempt', () => {
  it('names the Slurm array task and its restart count when Slurm runs it', () => {
    const attempt = currentAttempt({ SLURM_ARRAY_JOB_ID: '41', SLURM_ARRAY_TASK_ID: '3', SLURM_JOB_ID: '45', SLURM_RESTART_COUNT: '2' });
    expect(attempt).toMatchObject({ slurm_job: '41_3', slurm_restart: 2, pid: process.pid });
  });

  it('has no Slurm job outside Slurm', () => {
    expect(currentAttempt({})).toMatchObject({ slurm_job: null, slurm_restart: null });
  });
});

const PLAN: ClusterPlan = {
  format: 'cotlab-wb-cluster-plan',
  plan_id: '0123456789abcdef',
  created_at: '2026-01-01T00:00:00.000Z',
  app_version: '0.1.0',
  model: { dir: '/m', graph: '/m/model.onnx', sha256: 'a' },
  layers: [0, 1],
  runs: [],
  shards: shardBoundaries([4, 4], 3),
};

describe('the Slurm scripts', () => {
  const options = { partition: 'gpu', gpusPerTask: 1, time: '01:00:00', cli: ['/usr/bin/node', '/opt/wb/bin/cotlab-wb.js'], env: { COTLAB_WB_ROOT: '/opt/my wb' }, historyDb: '/home/me/history.sqlite' };

  it('runs one requeue-safe array task per shard, each computing its shard', () => {
    const { shards } = slurmScripts('/shared/plan', PLAN, options);
    expect(shards).toContain('#SBATCH --array=0-2\n');
    expect(shards).toContain('#SBATCH --requeue\n');
    expect(shards).toContain('#SBATCH --partition=gpu\n');
    expect(shards).toContain('#SBATCH --gpus-per-task=1\n');
    expect(shards).toContain('#SBATCH --time=01:00:00\n');
    expect(shards).toContain("export COTLAB_WB_ROOT='/opt/my wb'\n");
    expect(shards).toContain('exec /usr/bin/node /opt/wb/bin/cotlab-wb.js shard /shared/plan --index "$SLURM_ARRAY_TASK_ID" --no-progress');
  });

  it('merges into the given history and writes the report into the plan folder', () => {
    const { merge } = slurmScripts('/shared/plan', PLAN, { ...options, gpusPerTask: 0, partition: null, time: null });
    expect(merge).toContain('exec /usr/bin/node /opt/wb/bin/cotlab-wb.js merge /shared/plan --db /home/me/history.sqlite --out /shared/plan/report');
    expect(merge).not.toMatch(/--gpus-per-task|--partition|--time|--array/);
  });
});

describe('a merged experiment in words', () => {
  it('names each shard with its samples, hosts and how often it was resumed', () => {
    const attempt = { host: 'n1', pid: 1, slurm_job: '41_0', slurm_restart: 0, started_at: '' };
    const shard = { samples: 4, execution_provider: 'cpu', started_at: '', ended_at: null, duration_s: null, file: 'f' };
    const provenance: MergedProvenance = {
      kind: 'merged',
      plan_id: '0123456789abcdef',
      plan_dir: '/p',
      shard_count: 2,
      merged_on: 'login1',
      shards: [
        { ...shard, index: 0, hosts: ['n1'], attempts: [attempt] },
        { ...shard, index: 1, hosts: ['n1', 'n2'], attempts: [attempt, { ...attempt, host: 'n2', slurm_restart: 1 }] },
      ],
    };
    expect(describeProvenance(provenance)).toBe(
      '2 shards of cluster plan 0123456789ab (shard 0: 4 samples on n1; shard 1: 4 samples on n1, n2, resumed once), merged on login1',
    );
  });
});
