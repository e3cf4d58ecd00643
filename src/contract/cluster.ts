/** Cluster plans: an experiment planned for a Slurm cluster, and a computed plan merged into the history. */
import { z } from 'zod';
import { wholeNumber } from './primitives.js';

/** Most shards a plan may have from the app (one Slurm array task each). */
export const MAX_PLAN_SHARDS = 10_000;

/** A plan written for a cluster: where, how it is split, and the commands that compute and merge it. */
export const ClusterPlanSummarySchema = z
  .object({
    planDir: z.string().min(1),
    planId: z.string().min(1),
    samples: wholeNumber.nonnegative(),
    /** Samples per shard, in shard order. */
    shardSizes: z.array(wholeNumber.nonnegative()).min(1),
    /** What to run on the cluster's login node, in order (cotlab-wb slurm --submit, then --status). */
    commands: z.array(z.string().min(1)),
  })
  .strict();
export type ClusterPlanSummary = z.infer<typeof ClusterPlanSummarySchema>;

/** A plan's shards merged into the history as one experiment. */
export const MergedPlanSchema = z
  .object({
    experimentId: z.string().min(1),
    reportDir: z.string().min(1),
    /** Where the shards ran, in words (e.g. "4 shards of cluster plan … (shard 0: 10 samples on node1; …)"). */
    computedOn: z.string(),
  })
  .strict();
export type MergedPlan = z.infer<typeof MergedPlanSchema>;
