/**
 * A cluster plan as Slurm jobs: one array task per shard (requeue-safe, since a shard continues from its stored
 * samples) and a merge job that runs once every task has succeeded (--dependency=afterok).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { shellQuote } from '../report/shell-quote.js';
import { shortPlanId } from '../results/cluster.js';
import { ClusterPlanError, type ClusterPlan } from './cluster-plan.js';

const run = promisify(execFile);

export const SLURM_DIR = 'slurm';
const SHARDS_SCRIPT = 'shards.sbatch';
const MERGE_SCRIPT = 'merge.sbatch';
const JOBS_FILE = 'jobs.json';

export interface SlurmOptions {
  partition: string | null;
  /** 0: no GPU is asked for (a CPU-only run). */
  gpusPerTask: number;
  /** Slurm's time limit per task, e.g. 04:00:00; null: the partition's default. */
  time: string | null;
  /** The command that starts this workbench on a compute node, e.g. [node, /shared/cotlab-wb/bin/cotlab-wb.js]. */
  cli: readonly string[];
  /** Environment the tasks need (COTLAB_WB_ROOT, COTLAB_WB_CACHE), exported by the scripts. */
  env: Readonly<Record<string, string>>;
  /** The history the merge job writes into. */
  historyDb: string;
}

export interface SlurmScripts {
  shards: string;
  merge: string;
}

/** The submitted jobs of a plan, kept in PLAN_DIR/slurm/jobs.json for --status. */
export interface SubmittedJobs {
  shards_job: string;
  merge_job: string;
  submitted_at: string;
}

function header(name: string, planDir: string, options: SlurmOptions, output: string, extra: readonly string[]): string[] {
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${name}`,
    `#SBATCH --output=${path.join(planDir, SLURM_DIR, output)}`,
    '#SBATCH --ntasks=1',
    ...(options.partition === null ? [] : [`#SBATCH --partition=${options.partition}`]),
    ...(options.time === null ? [] : [`#SBATCH --time=${options.time}`]),
    ...extra,
    'set -euo pipefail',
    ...Object.entries(options.env).map(([key, value]) => `export ${key}=${shellQuote(value)}`),
  ];
}

/** The two sbatch scripts of a plan; `planDir` must be absolute and on storage every node sees. */
export function slurmScripts(planDir: string, plan: ClusterPlan, options: SlurmOptions): SlurmScripts {
  const id = shortPlanId(plan.plan_id);
  const cli = options.cli.map(shellQuote).join(' ');
  const shards = [
    ...header(`cotlab-wb-${id}`, planDir, options, 'shard-%a-job-%A.out', [
      `#SBATCH --array=0-${plan.shards.length - 1}`,
      // A requeued task (node failure, preemption, scontrol requeue) continues its shard from its stored samples.
      '#SBATCH --requeue',
      ...(options.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${options.gpusPerTask}`] : []),
    ]),
    `exec ${cli} shard ${shellQuote(planDir)} --index "$SLURM_ARRAY_TASK_ID" --no-progress`,
    '',
  ].join('\n');
  const merge = [
    ...header(`cotlab-wb-${id}-merge`, planDir, options, 'merge-job-%j.out', []),
    `exec ${cli} merge ${shellQuote(planDir)} --db ${shellQuote(options.historyDb)} --out ${shellQuote(path.join(planDir, 'report'))}`,
    '',
  ].join('\n');
  return { shards, merge };
}

/** Writes the scripts into PLAN_DIR/slurm/ and returns their paths. */
export async function writeSlurmScripts(planDir: string, scripts: SlurmScripts): Promise<{ shards: string; merge: string }> {
  const dir = path.join(planDir, SLURM_DIR);
  await mkdir(dir, { recursive: true });
  const files = { shards: path.join(dir, SHARDS_SCRIPT), merge: path.join(dir, MERGE_SCRIPT) };
  await writeFile(files.shards, scripts.shards, { mode: 0o755 });
  await writeFile(files.merge, scripts.merge, { mode: 0o755 });
  return files;
}

async function sbatch(planDir: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run('sbatch', ['--parsable', ...args]);
    // --parsable prints "jobid" or "jobid;cluster".
    return stdout.trim().split(';')[0] as string;
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || (error as Error).message;
    throw new ClusterPlanError(planDir, `sbatch failed: ${detail}`, { cause: error });
  }
}

/** Submits the array job, then the merge job depending on it; records both ids in PLAN_DIR/slurm/jobs.json. */
export async function submitSlurmJobs(planDir: string, files: { shards: string; merge: string }): Promise<SubmittedJobs> {
  const shardsJob = await sbatch(planDir, [files.shards]);
  const mergeJob = await sbatch(planDir, [`--dependency=afterok:${shardsJob}`, '--kill-on-invalid-dep=yes', files.merge]);
  const jobs: SubmittedJobs = { shards_job: shardsJob, merge_job: mergeJob, submitted_at: new Date().toISOString() };
  await writeFile(path.join(planDir, SLURM_DIR, JOBS_FILE), `${JSON.stringify(jobs, null, 2)}\n`);
  return jobs;
}

/** The jobs submitted for a plan; refused when none were. */
export async function submittedJobs(planDir: string): Promise<SubmittedJobs> {
  const file = path.join(planDir, SLURM_DIR, JOBS_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as SubmittedJobs;
  } catch (error) {
    throw new ClusterPlanError(planDir, `no jobs were submitted for it (${file} cannot be read); submit with \`cotlab-wb slurm ${planDir} --submit\``, { cause: error });
  }
}

export interface SlurmJobState {
  /** Slurm's id, e.g. 1234_2 for an array task. */
  job: string;
  state: string;
  /** Where it runs, or why it waits. */
  where: string;
  exitCode: string | null;
}

/**
 * The state of a plan's jobs, a row per array task and the merge job: what the controller still knows (squeue, which
 * keeps finished jobs for MinJobAge), else the accounting (sacct) where the site keeps it.
 */
export async function slurmJobStates(planDir: string, jobs: SubmittedJobs): Promise<SlurmJobState[]> {
  const ids = [jobs.shards_job, jobs.merge_job].join(',');
  const states = new Map<string, SlurmJobState>();
  try {
    const { stdout } = await run('sacct', ['-j', ids, '-n', '-P', '-X', '-o', 'JobID,State,ExitCode,NodeList']);
    for (const line of stdout.split('\n').filter((text) => text.trim() !== '')) {
      const [job = '', state = '', exitCode = '', nodes = ''] = line.split('|');
      states.set(job, { job, state, where: nodes, exitCode });
    }
  } catch {
    // Accounting is optional in Slurm; the queue still tells what has not finished.
  }
  let queue = '';
  try {
    queue = (await run('squeue', ['-h', '-r', '-t', 'all', '-j', ids, '-o', '%i|%T|%R'])).stdout;
  } catch (error) {
    // squeue refuses ids that have all left the queue; then accounting alone tells how they ended.
    if (states.size === 0) throw new ClusterPlanError(planDir, `neither squeue nor sacct knows jobs ${ids}: ${(error as Error).message}`, { cause: error });
  }
  for (const line of queue.split('\n').filter((text) => text.trim() !== '')) {
    const [job = '', state = '', where = ''] = line.split('|');
    states.set(job, { job, state, where, exitCode: states.get(job)?.exitCode ?? null });
  }
  return [...states.values()].sort((a, b) => a.job.localeCompare(b.job, 'en', { numeric: true }));
}
