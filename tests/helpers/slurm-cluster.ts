import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** A single-node Slurm cluster for localhost, with its own munge daemon, all in one folder. */
export interface SlurmCluster {
  /** For sbatch, squeue and scontrol: SLURM_CONF. */
  env: Record<string, string>;
  /** Runs a Slurm client command against this cluster; its stdout. */
  run(command: string, args: readonly string[]): string;
  /** Stops the daemons and waits until they have exited (they write their state on the way out). */
  stop(): Promise<void>;
}

const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/sbin/mungekey', '/usr/bin/sbatch'];

/** Why a cluster cannot be started here, or null when it can be tried. */
export function slurmUnavailable(): string | null {
  if (process.platform !== 'linux') return 'Slurm runs on Linux only';
  if (process.getuid?.() !== 0) return 'starting slurmd and munged needs root';
  const missing = DAEMONS.filter((file) => !existsSync(file));
  if (missing.length > 0) return `not installed: ${missing.join(', ')} (apt-get install slurmctld slurmd munge)`;
  return null;
}

function readPid(file: string): number | null {
  try {
    return Number.parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return null;
  }
}

/** Whether a process still runs: it exists and is not a zombie waiting for a parent to reap it. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `ready` until it holds or `seconds` pass; the last reason it gave when it did not. */
export async function waitFor(what: string, seconds: number, ready: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts munged, slurmctld and slurmd for this host in `dir` (a munge key created there, ports chosen from the pid
 * so parallel test runs do not meet) and waits until the node is idle. Throws, with the daemons' logs, when it cannot.
 */
export async function startSlurmCluster(dir: string): Promise<SlurmCluster> {
  mkdirSync(path.join(dir, 'state'), { recursive: true });
  mkdirSync(path.join(dir, 'spool'), { recursive: true });
  // munged wants its socket folder searchable by every user and its key readable only by its owner.
  chmodSync(dir, 0o711);
  const file = (name: string) => path.join(dir, name);
  const node = hostname().split('.')[0] as string;
  const port = 20000 + (process.pid % 20000) * 2;
  const pids = ['munged.pid', 'slurmctld.pid', 'slurmd.pid'].map(file);
  const stop = async () => {
    const started = [...pids].reverse().flatMap((pidFile) => {
      const pid = readPid(pidFile);
      return pid === null ? [] : [pid];
    });
    for (const pid of started) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await waitFor('the Slurm and munge daemons to exit', 60, () => !started.some(running));
  };
  const logs = () => ['munged.log', 'slurmctld.log', 'slurmd.log'].map((name) => `${name}: ${existsSync(file(name)) ? readFileSync(file(name), 'utf8').split('\n').slice(-8).join('\n') : '(none)'}`).join('\n');
  try {
    execFileSync('/usr/sbin/mungekey', ['--create', `--keyfile=${file('munge.key')}`]);
    chmodSync(file('munge.key'), 0o600);
    execFileSync('/usr/sbin/munged', [
      `--key-file=${file('munge.key')}`,
      `--socket=${file('munge.sock')}`,
      `--pid-file=${file('munged.pid')}`,
      `--log-file=${file('munged.log')}`,
      `--seed-file=${file('munged.seed')}`,
      '--force',
    ]);
    const cpus = Math.max(2, Number.parseInt(execFileSync('nproc', { encoding: 'utf8' }), 10));
    writeFileSync(
      file('slurm.conf'),
      [
        'ClusterName=cotlabtest',
        `SlurmctldHost=${node}(127.0.0.1)`,
        `SlurmctldPort=${port}`,
        `SlurmdPort=${port + 1}`,
        'SlurmUser=root',
        'SlurmdUser=root',
        'AuthType=auth/munge',
        `AuthInfo=socket=${file('munge.sock')}`,
        'CredType=cred/munge',
        `StateSaveLocation=${file('state')}`,
        `SlurmdSpoolDir=${file('spool')}`,
        `SlurmctldPidFile=${file('slurmctld.pid')}`,
        `SlurmdPidFile=${file('slurmd.pid')}`,
        `SlurmctldLogFile=${file('slurmctld.log')}`,
        `SlurmdLogFile=${file('slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'SchedulerType=sched/builtin',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'MpiDefault=none',
        'ReturnToService=2',
        // Finished jobs stay visible to squeue -t all and scontrol for the whole test.
        'MinJobAge=3600',
        `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} State=UNKNOWN`,
        'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    execFileSync('/usr/sbin/slurmctld', ['-f', file('slurm.conf')]);
    execFileSync('/usr/sbin/slurmd', ['-f', file('slurm.conf'), '-N', node]);
  } catch (error) {
    await stop();
    throw new Error(`the cluster did not start: ${(error as Error).message}\n${logs()}`, { cause: error });
  }
  const env = { SLURM_CONF: file('slurm.conf') };
  const run = (command: string, args: readonly string[]): string => {
    const result = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.error?.message}`);
    return result.stdout;
  };
  try {
    await waitFor('the Slurm node to be idle', 60, () => {
      const result = spawnSync('sinfo', ['-h', '-o', '%T'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      return result.status === 0 && result.stdout.trim() === 'idle';
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${logs()}`, { cause: error });
  }
  return { env, run, stop };
}
