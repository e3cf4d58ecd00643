import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { composeConfig, loadSavedConfig } from '../config/compose.js';
import { shardSize, writeClusterPlan } from '../experiments/cluster-plan.js';
import { cliJobContext, cliLog } from './job-command.js';
import { cliPaths } from './paths.js';

interface PlanOptions {
  config?: string;
  shards: number;
  out: string;
}

function shardCount(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('use a whole number of 1 or more');
  return number;
}

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'Plan an experiment for a cluster: resolve the config, draw every variant\'s samples exactly as `run` does, fingerprint the model and datasets and split the samples into shards, written to PLAN_DIR (config.json, plan.json). Nothing is computed; compute the shards with `cotlab-wb shard` (or `cotlab-wb slurm --submit`), then `cotlab-wb merge`.',
    )
    .argument('[overrides...]', 'Hydra-style overrides, as for `run`')
    .option('--config <path>', 'plan a saved config.json instead of composing configs/')
    .requiredOption('--shards <n>', 'how many shards (cluster tasks) to split the samples into', shardCount)
    .requiredOption('--out <dir>', 'the plan folder (on storage every node sees); refused when it already holds a plan')
    .action(async (overrides: string[], options: PlanOptions) => {
      const config = options.config
        ? loadSavedConfig(path.resolve(options.config), overrides)
        : composeConfig({ configDir: cliPaths().configDir, overrides });
      const planDir = path.resolve(options.out);
      const plan = await writeClusterPlan(config, options.shards, planDir, cliJobContext({}));
      const sizes = plan.shards.map(shardSize);
      cliLog(`plan ${plan.plan_id}: ${sizes.reduce((sum, size) => sum + size, 0)} samples in ${plan.shards.length} shards of ${Math.min(...sizes)}-${Math.max(...sizes)} samples`);
      process.stdout.write(`${planDir}\n`);
    });
}
