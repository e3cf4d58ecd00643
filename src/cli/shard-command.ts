import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { shardDbPath } from '../experiments/cluster-plan.js';
import { runShard } from '../experiments/cluster-shard.js';
import { ExperimentCancelledError } from '../experiments/errors.js';
import { openHistoryStore } from '../store/open-store.js';
import { INTERRUPTED_EXIT_CODE, stopOnInterrupt } from './interrupt.js';
import { cliJobContext, cliLog } from './job-command.js';
import { createProgressBar } from './progress-bar.js';

interface ShardOptions {
  index: number;
  db?: string;
  progress: boolean;
}

function shardIndex(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('use a whole number of 0 or more');
  return number;
}

export function registerShardCommand(program: Command): void {
  program
    .command('shard')
    .description(
      'Compute one shard of a cluster plan into a history file of its own (never a shared SQLite file). A killed or requeued shard continues from its next sample. Refused when this machine\'s model or dataset files differ from the plan\'s.',
    )
    .argument('<plan-dir>', 'the folder written by `cotlab-wb plan`')
    .requiredOption('--index <i>', 'which shard, from 0 (Slurm: $SLURM_ARRAY_TASK_ID)', shardIndex)
    .option('--db <path>', 'the shard\'s history file (default: PLAN_DIR/shards/shard-III.sqlite, where `merge` reads it)')
    .option('--no-progress', 'no progress bar')
    .action(async (planArg: string, options: ShardOptions) => {
      const planDir = path.resolve(planArg);
      const store = openHistoryStore(path.resolve(options.db ?? shardDbPath(planDir, options.index)));
      const bar = options.progress ? createProgressBar() : null;
      // Slurm stops a task with SIGTERM (scancel, requeue, time limit): the shard stops between two samples.
      const interrupt = stopOnInterrupt(() => {
        bar?.stop();
        cliLog('stopping after the current sample…');
      });
      const onTerm = () => process.emit('SIGINT');
      process.on('SIGTERM', onTerm);
      try {
        const result = await runShard(planDir, options.index, store, cliJobContext({}), { onProgress: (event) => bar?.update(event), signal: interrupt.signal });
        bar?.stop();
        if (!result.alreadyComplete) cliLog(`shard ${options.index}: ${result.total} samples complete (${result.computed} computed now, ${result.reused} by an earlier attempt)`);
        process.stdout.write(`${store.dbPath}\n`);
      } catch (error) {
        if (!(error instanceof ExperimentCancelledError)) throw error;
        cliLog(`shard ${options.index} stopped after ${error.completedSamples} samples; run the same command again to continue it`);
        process.exitCode = INTERRUPTED_EXIT_CODE;
      } finally {
        bar?.stop();
        process.off('SIGTERM', onTerm);
        interrupt.dispose();
        store.close();
      }
    });
}
