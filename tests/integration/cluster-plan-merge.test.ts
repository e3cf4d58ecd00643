import Database from 'better-sqlite3';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterPlan } from '../../src/experiments/cluster-plan.js';
import type { MergedProvenance } from '../../src/results/cluster.js';
import { cli, cliError, committedSamples } from '../fixtures/cli-history/cli.js';
import { CLI_BIN } from '../helpers/cli.js';
import { expectSameAsLocal } from '../helpers/same-as-local.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// 2 variants x 8 samples in 4 shards of 4: room to kill a shard after its first sample.
const EXPERIMENT = ['experiment.num_samples=8'];

let work: TempDir;
let planDir: string;
const local = { report: '', db: '' };

beforeAll(async () => {
  work = makeTempDir('cluster');
  planDir = work.path('plan');
  local.report = work.path('local');
  local.db = work.path('local.sqlite');
  await cli(['plan', ...EXPERIMENT, '--shards', '4', '--out', planDir]);
  await cli(['run', ...EXPERIMENT, '--no-progress', '--out', local.report, '--db', local.db]);
});

afterAll(() => work.remove());

function readPlan(dir: string): ClusterPlan {
  return JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')) as ClusterPlan;
}

function shardFile(dir: string, index: number): string {
  return path.join(dir, 'shards', `shard-00${index}.sqlite`);
}

/** A copy of the plan folder (with whatever shards it holds) to break for one refusal. */
function copyOfPlan(name: string): string {
  const copy = work.path(name);
  cpSync(planDir, copy, { recursive: true });
  return copy;
}

function sql(dbPath: string, statement: string): void {
  const db = new Database(dbPath);
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

/** Starts `cotlab-wb shard` as its own process and SIGKILLs it once its first sample is committed. */
async function killShardAfterFirstSample(index: number): Promise<number> {
  const child = spawn(process.execPath, [CLI_BIN, 'shard', planDir, '--index', String(index), '--no-progress'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const file = shardFile(planDir, index);
  // Waits for state: polls the shard file until a sample is committed (or the process ends on its own).
  while (committedSamples(file) === 0 && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5));
  child.kill('SIGKILL');
  await exited;
  return committedSamples(file);
}

describe('a plan computed in shards and merged', () => {
  it('writes the plan: config, every sample in local order, hashes and four shards of four samples', () => {
    const plan = readPlan(planDir);
    expect(plan.runs.map((run) => run.sample_indices.length)).toEqual([8, 8]);
    expect(plan.shards.map((shard) => shard.ranges)).toEqual([
      [{ run: 0, start: 0, end: 4 }],
      [{ run: 0, start: 4, end: 8 }],
      [{ run: 1, start: 0, end: 4 }],
      [{ run: 1, start: 4, end: 8 }],
    ]);
    const db = new Database(local.db, { readonly: true });
    const localOrder = (db.prepare('SELECT sample_indices_json FROM runs ORDER BY run_index').all() as { sample_indices_json: string }[]).map((row) => JSON.parse(row.sample_indices_json) as number[]);
    db.close();
    expect(plan.runs.map((run) => run.sample_indices)).toEqual(localOrder);
    expect(plan.model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a second plan into the same folder', async () => {
    expect(await cliError(['plan', ...EXPERIMENT, '--shards', '2', '--out', planDir])).toMatch(/already holds a plan/);
  });

  it('continues a killed shard from its stored samples, and merges into an experiment equal to the local run', async () => {
    const stored = await killShardAfterFirstSample(1);
    expect(stored).toBeGreaterThan(0);
    for (const index of [0, 1, 2, 3]) await cli(['shard', planDir, '--index', String(index), '--no-progress']);
    const again = await cli(['shard', planDir, '--index', '1', '--no-progress']);
    expect(again.stderr).toMatch(/already complete/);

    const merged = { report: work.path('merged'), db: work.path('history.sqlite') };
    await cli(['merge', planDir, '--db', merged.db, '--out', merged.report]);
    const results = expectSameAsLocal(merged, local);
    const cluster = (results['capture'] as { cluster: MergedProvenance }).cluster;
    expect(cluster.shard_count).toBe(4);
    expect(cluster.shards.map((shard) => shard.samples)).toEqual([4, 4, 4, 4]);
    expect(cluster.shards.every((shard) => shard.hosts.length === 1)).toBe(true);
    // The killed shard was taken up again by a second process, unless it had finished before the kill.
    expect(cluster.shards[1]?.attempts.length).toBe(stored < 4 ? 2 : 1);
    expect(readFileSync(path.join(merged.report, 'EXPERIMENT.md'), 'utf8')).toMatch(/Computed on:\*\* 4 shards of cluster plan/);

    const shown = await cli(['show', '1', '--db', merged.db]);
    expect(shown.stdout).toMatch(/cluster {4}4 shards of cluster plan [0-9a-f-]{12} \(shard 0: 4 samples on .*; shard 1: 4 samples on .*\), merged on /);
    expect((await cli(['show', '1', '--db', shardFile(planDir, 1)])).stdout).toMatch(/cluster {4}shard 1 of 4 of plan .{36}, \d attempt\(s\) on /);

    expect(await cliError(['merge', planDir, '--db', merged.db])).toMatch(/already merged into .* as experiment 1/);
  });
});

describe('merge refuses', () => {
  it('a missing shard, naming it', async () => {
    const copy = copyOfPlan('missing');
    rmSync(shardFile(copy, 2));
    const message = await cliError(['merge', copy, '--db', work.path('refused.sqlite')]);
    expect(message).toMatch(/shard 2 of 4 is missing \(no shard-002\.sqlite/);
    expect(message).toMatch(/cotlab-wb shard .* --index 2/);
  });

  it('a shard file standing in for another shard: its samples would be merged twice', async () => {
    const copy = copyOfPlan('twice');
    cpSync(shardFile(copy, 1), shardFile(copy, 2));
    expect(await cliError(['merge', copy, '--db', work.path('refused.sqlite')])).toMatch(/shard-002\.sqlite holds shard 1 of this plan, not shard 2: its samples would be merged twice/);
  });

  it('a sample stored by two shards', async () => {
    const copy = copyOfPlan('duplicate');
    // Shard 1 (positions 4-7 of variant 0) claims position 3, which shard 0 computed.
    sql(shardFile(copy, 1), "UPDATE samples SET position = 3 WHERE position = 4 AND run_id = (SELECT id FROM runs WHERE run_index = 0)");
    expect(await cliError(['merge', copy, '--db', work.path('refused.sqlite')])).toMatch(/sample 3 of variant histopathology is stored by shard 0 and by shard 1: a duplicated sample/);
  });

  it('a shard of another plan', async () => {
    const otherPlan = work.path('other-plan');
    await cli(['plan', ...EXPERIMENT, '--shards', '4', '--out', otherPlan]);
    const copy = copyOfPlan('foreign');
    writeFileSync(path.join(copy, 'plan.json'), readFileSync(path.join(otherPlan, 'plan.json')));
    expect(await cliError(['merge', copy, '--db', work.path('refused.sqlite')])).toMatch(/shard-000\.sqlite holds shard 0 of another plan \(.{36}\), not of this plan/);
  });

  it('a shard computed with another model', async () => {
    const copy = copyOfPlan('model');
    sql(shardFile(copy, 3), "UPDATE experiments SET model_hash = 'ffffffffffffffff'");
    expect(await cliError(['merge', copy, '--db', work.path('refused.sqlite')])).toMatch(/shard 3 was computed with another model \(sha256 ffffffffffff…, the plan's [0-9a-f]{12}…\)/);
  });

  it('an unfinished shard, saying how to continue it', async () => {
    const copy = copyOfPlan('unfinished');
    sql(shardFile(copy, 0), "UPDATE experiments SET status = 'interrupted'");
    expect(await cliError(['merge', copy, '--db', work.path('refused.sqlite')])).toMatch(/shard 0 has not finished \(interrupted, 4 samples stored\); continue it with `cotlab-wb shard .* --index 0`/);
  });
});

describe('shard refuses what was not planned', () => {
  it('another model file, naming both hashes', async () => {
    const copy = work.path('other-model');
    cpSync(path.join(planDir, 'config.json'), path.join(copy, 'config.json'), { recursive: true });
    const plan = readPlan(planDir);
    writeFileSync(path.join(copy, 'plan.json'), JSON.stringify({ ...plan, model: { ...plan.model, sha256: '0'.repeat(64) } }));
    expect(await cliError(['shard', copy, '--index', '0', '--no-progress'])).toMatch(/does not see what was planned: the model file .*model\.onnx has sha256 [0-9a-f]{12}…, the plan's model \(.*\) 000000000000…/);
  });

  it('another dataset file', async () => {
    const copy = work.path('other-dataset');
    cpSync(path.join(planDir, 'config.json'), path.join(copy, 'config.json'), { recursive: true });
    const plan = readPlan(planDir);
    const runs = plan.runs.map((run, index) => (index === 1 ? { ...run, dataset_sha256: '1'.repeat(64) } : run));
    writeFileSync(path.join(copy, 'plan.json'), JSON.stringify({ ...plan, runs }));
    expect(await cliError(['shard', copy, '--index', '3', '--no-progress'])).toMatch(/the dataset file .* of variant radiology has sha256 [0-9a-f]{12}…, the plan's \(.*\) 111111111111…/);
  });

  it('a shard index the plan does not have', async () => {
    expect(await cliError(['shard', planDir, '--index', '4', '--db', work.path('x.sqlite'), '--no-progress'])).toMatch(/it has 4 shards \(--index 0 to 3\), not shard 4/);
  });
});
