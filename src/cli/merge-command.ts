import path from 'node:path';
import type { Command } from 'commander';
import { mergeClusterPlan } from '../experiments/cluster-merge.js';
import { describeProvenance } from '../results/cluster.js';
import { reportingKeptExperiment } from './interrupt.js';
import { cliJobContext, cliLog } from './job-command.js';
import { addDbOption, withHistoryStore, type DbOption } from './store-option.js';

interface MergeOptions extends DbOption {
  out?: string;
  force?: boolean;
}

export function registerMergeCommand(program: Command): void {
  const command = program
    .command('merge')
    .description(
      'Import the shards of a cluster plan (PLAN_DIR/shards/) into the history as one experiment, computing its analytics once, and write its report. Refused when a shard is missing or unfinished, a sample is duplicated, or a shard comes from another plan or model.',
    )
    .argument('<plan-dir>', 'the folder written by `cotlab-wb plan`')
    .option('--out <dir>', 'write the report into this folder instead of outputs/YYYY-MM-DD/HH-MM-SS_...')
    .option('--force', 'let --out overwrite a folder that already holds a report');
  addDbOption(command).action(async (planArg: string, options: MergeOptions) => {
    await withHistoryStore(options, (store) =>
      reportingKeptExperiment(async () => {
        const result = await mergeClusterPlan(path.resolve(planArg), store, cliJobContext(options));
        const cluster = result.report.capture.cluster;
        if (cluster !== undefined) cliLog(`computed on ${describeProvenance(cluster)}`);
        for (const comparison of result.report.comparisons) {
          cliLog(`${comparison.run_a} vs ${comparison.run_b}: mean cosine ${comparison.mean_cosine_similarity.toFixed(4)}, mean L2 ${comparison.mean_l2_distance.toFixed(4)}`);
        }
        cliLog(`history: experiment ${result.experimentId} completed`);
        process.stdout.write(`${result.outputDir}\n`);
      }, options.db),
    );
  });
}
