import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { readClusterPlan } from '../experiments/cluster-plan.js';
import { slurmJobStates, slurmScripts, submitSlurmJobs, submittedJobs, writeSlurmScripts } from '../experiments/cluster-slurm.js';
import { cliLog } from './job-command.js';
import { addDbOption, historyPath, type DbOption } from './store-option.js';
import { formatTable } from './text-table.js';

interface SlurmCommandOptions extends DbOption {
  partition?: string;
  gpusPerTask: number;
  time?: string;
  submit?: boolean;
  status?: boolean;
}

function gpuCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('use a whole number of 0 or more (0: no GPU)');
  return number;
}

/** The variables that tell the workbench where its installation and caches are, passed on to the tasks. */
function workbenchEnv(): Record<string, string> {
  const names = ['COTLAB_WB_ROOT', 'COTLAB_WB_CACHE', 'COTLAB_WB_DB'];
  return Object.fromEntries(names.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name] as string]])));
}

export function registerSlurmCommand(program: Command): void {
  const command = program
    .command('slurm')
    .description(
      'Write the sbatch scripts of a cluster plan into PLAN_DIR/slurm/: a job array with one task per shard (requeue-safe: a requeued shard continues from its stored samples) and a merge job that runs once every task has succeeded (--dependency=afterok). --submit submits them with sbatch; --status shows their state (squeue, sacct).',
    )
    .argument('<plan-dir>', 'the folder written by `cotlab-wb plan`, on storage every node sees')
    .option('--partition <name>', 'Slurm partition for the tasks and the merge')
    .option('--gpus-per-task <n>', 'GPUs per shard task (0: none)', gpuCount, 1)
    .option('--time <limit>', 'time limit per task, e.g. 04:00:00')
    .option('--submit', 'submit the scripts with sbatch')
    .option('--status', 'show the state of the submitted jobs and write nothing');
  addDbOption(command).action(async (planArg: string, options: SlurmCommandOptions) => {
    const planDir = path.resolve(planArg);
    if (options.status) {
      const states = await slurmJobStates(planDir, await submittedJobs(planDir));
      process.stdout.write(`${formatTable(['job', 'state', 'node or reason', 'exit'], states.map((state) => [state.job, state.state, state.where, state.exitCode ?? '']))}\n`);
      return;
    }
    const { plan } = await readClusterPlan(planDir);
    const scripts = slurmScripts(planDir, plan, {
      partition: options.partition ?? null,
      gpusPerTask: options.gpusPerTask,
      time: options.time ?? null,
      cli: [process.execPath, path.resolve(process.argv[1] as string)],
      env: workbenchEnv(),
      historyDb: historyPath(options),
    });
    const files = await writeSlurmScripts(planDir, scripts);
    cliLog(`wrote ${files.shards} (${plan.shards.length} array tasks) and ${files.merge}`);
    if (options.submit) {
      const jobs = await submitSlurmJobs(planDir, files);
      cliLog(`submitted: shards as job array ${jobs.shards_job}, merge as job ${jobs.merge_job} (after all shards succeed); follow them with \`cotlab-wb slurm ${planDir} --status\``);
      process.stdout.write(`${jobs.shards_job} ${jobs.merge_job}\n`);
    } else {
      process.stdout.write(`${files.shards}\n${files.merge}\n`);
    }
  });
}
