/**
 * The vocabulary of experiments computed on a cluster: a plan is split into shards, each shard computed into a
 * history file of its own, and the shards merged into one experiment. Stored as JSON with the experiment
 * (experiments.cluster_json) and reported under results.json `capture.cluster`.
 */

/** One process that worked on a shard; a shard killed and requeued is finished by a later attempt. */
export interface ShardAttempt {
  host: string;
  pid: number;
  /** `<array job id>_<task id>` when Slurm ran it; null otherwise. */
  slurm_job: string | null;
  /** Slurm's SLURM_RESTART_COUNT: how often the task had been requeued before this attempt; null outside Slurm. */
  slurm_restart: number | null;
  started_at: string;
}

/** In a shard's own history file: which shard of which plan its experiment is, and who worked on it. */
export interface ShardIdentity {
  kind: 'shard';
  plan_id: string;
  shard_index: number;
  shard_count: number;
  attempts: ShardAttempt[];
}

/** One shard of a merged experiment: what it computed, where and when. */
export interface MergedShard {
  index: number;
  samples: number;
  /** The hosts of its attempts, each once, in attempt order. */
  hosts: string[];
  attempts: ShardAttempt[];
  execution_provider: string | null;
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  /** The shard's history file, as the merge read it. */
  file: string;
}

/** A merged experiment: the plan it was computed from and every shard that computed it. */
export interface MergedProvenance {
  kind: 'merged';
  plan_id: string;
  plan_dir: string;
  shard_count: number;
  /** The host that merged the shards and computed the analytics. */
  merged_on: string;
  shards: MergedShard[];
}

export type ClusterRecord = ShardIdentity | MergedProvenance;

/** The first characters of a plan id, enough to tell plans apart in messages. */
export function shortPlanId(planId: string): string {
  return planId.slice(0, 12);
}

/** One shard in words: its samples and hosts, and how often it was taken up again. */
function shardInWords(shard: MergedShard): string {
  const retries = shard.attempts.length - 1;
  const again = retries <= 0 ? '' : `, resumed ${retries === 1 ? 'once' : `${retries} times`}`;
  return `shard ${shard.index}: ${shard.samples} samples on ${shard.hosts.join(', ') || 'an unrecorded host'}${again}`;
}

/** Where a merged experiment was computed, in one line for reports and the command line. */
export function describeProvenance(provenance: MergedProvenance): string {
  return `${provenance.shard_count} shards of cluster plan ${shortPlanId(provenance.plan_id)} (${provenance.shards.map(shardInWords).join('; ')}), merged on ${provenance.merged_on}`;
}
