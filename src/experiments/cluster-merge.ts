/**
 * Merging a cluster plan's shards into the history as one experiment: every planned sample taken exactly once from
 * the shard that computed it, in processing order, then the means, comparisons and analytics computed once, as a
 * local run computes them, and the report written from the history.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { PairAnalysis } from '../analytics/divergence.js';
import type { ResolvedConfig } from '../config/schemas.js';
import type { Sample } from '../datasets/sample.js';
import type { MergedProvenance, MergedShard, ShardIdentity } from '../results/cluster.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { HistoryStore } from '../store/history-store.js';
import { openHistoryReader } from '../store/open-store.js';
import type { ExperimentDetail, RunRecord, StoredSample } from '../store/types.js';
import { analyseRunPairs, type AnalysedRun } from './analyse.js';
import { readClusterPlan, shardDbPath, shardFilesIn, type ClusterPlan } from './cluster-plan.js';
import { ReportNotWrittenError } from './history-errors.js';
import { compareRunMeans, pairsFor, type RunMeans } from './metrics.js';
import { findingsOfPairs, perLayerComparisons } from './pair-findings.js';
import { PoolingAccumulator } from './pooling-accumulator.js';
import { defaultOutputDirFor, type JobContext } from './prepare-job.js';
import { ExperimentRecorder } from './record-to-store.js';
import { writeJobReport } from './report-files.js';
import { storedReportInput } from './report-from-store.js';
import { takeReportFolder, type JobResult } from './run-job.js';

/** A merge that cannot go ahead: a shard missing, unfinished, duplicated, or from another plan or model. */
export class MergeError extends Error {
  constructor(
    readonly planDir: string,
    problem: string,
  ) {
    super(`Cannot merge cluster plan ${planDir}: ${problem}.`);
    this.name = 'MergeError';
  }
}

/** One sample as a shard stored it, with its vectors (one per captured layer). */
interface ShardSample extends StoredSample {
  vectors: Float32Array[];
  shard: number;
}

/** A shard's history file, opened read-only, with the shard's experiment in it. */
interface OpenShard {
  index: number;
  file: string;
  reader: HistoryReader;
  experiment: ExperimentDetail & { cluster: ShardIdentity };
}

function shortHash(hash: string | null): string {
  return hash === null ? 'none' : `${hash.slice(0, 12)}…`;
}

/** Opens shard `index`'s file and finds its experiment; refuses a missing or unfinished shard, or one of another plan or model. */
function openShard(planDir: string, plan: ClusterPlan, index: number): OpenShard {
  const fail: (problem: string) => never = (problem) => {
    throw new MergeError(planDir, problem);
  };
  const file = shardDbPath(planDir, index);
  const run = `cotlab-wb shard ${planDir} --index ${index}`;
  if (!existsSync(file)) fail(`shard ${index} is missing (no ${file}); compute it with \`${run}\``);
  const reader = openHistoryReader(file);
  try {
    const shards = reader
      .experimentsOfPlan(null)
      .map((id) => reader.getExperiment(id))
      .filter((experiment): experiment is ExperimentDetail & { cluster: ShardIdentity } => experiment.cluster?.kind === 'shard');
    const experiment = shards.find((candidate) => candidate.cluster.plan_id === plan.plan_id);
    if (experiment === undefined) {
      const other = shards[0];
      fail(
        other === undefined
          ? `${file} holds no shard of a cluster plan`
          : `${file} holds shard ${other.cluster.shard_index} of another plan (${other.cluster.plan_id}), not of this plan (${plan.plan_id})`,
      );
    }
    const shard = experiment as ExperimentDetail & { cluster: ShardIdentity };
    if (shard.cluster.shard_index !== index) {
      fail(`${file} holds shard ${shard.cluster.shard_index} of this plan, not shard ${index}: its samples would be merged twice`);
    }
    if (shard.modelHash !== plan.model.sha256) {
      fail(`shard ${index} was computed with another model (sha256 ${shortHash(shard.modelHash)}, the plan's ${shortHash(plan.model.sha256)})`);
    }
    shard.runs.forEach((stored) => {
      const planned = plan.runs[stored.runIndex];
      if (planned === undefined || planned.name !== stored.name) fail(`shard ${index} has a variant ${stored.name} the plan does not have`);
      if (stored.datasetHash !== planned.dataset_sha256) {
        fail(`shard ${index} read another dataset file for variant ${stored.name} (sha256 ${shortHash(stored.datasetHash)}, the plan's ${shortHash(planned.dataset_sha256)})`);
      }
    });
    if (shard.status !== 'completed') {
      const done = shard.runs.reduce((sum, stored) => sum + stored.completedSamples, 0);
      fail(`shard ${index} has not finished (${shard.status}, ${done} samples stored); continue it with \`${run}\``);
    }
    return { index, file, reader, experiment: shard };
  } catch (error) {
    reader.close();
    throw error;
  }
}

/**
 * Every planned sample, by run and position, from the shard that was to compute it; refuses a sample stored by two
 * shards, outside its shard's range, drawn from another dataset row, or missing.
 */
function collectSamples(planDir: string, plan: ClusterPlan, shards: readonly OpenShard[]): ShardSample[][] {
  const byRun = plan.runs.map((run) => new Array<ShardSample | undefined>(run.sample_indices.length));
  for (const shard of shards) {
    const ranges = plan.shards[shard.index]?.ranges ?? [];
    for (const run of shard.experiment.runs) {
      const slots = byRun[run.runIndex] as Array<ShardSample | undefined>;
      const samples = shard.reader.getRunSamples(run.id);
      const vectorsByLayer = run.layerIndices.map((layer) => shard.reader.getRunVectors(run.id, layer));
      samples.forEach((sample, row) => {
        const where = `sample ${sample.position} of variant ${run.name}`;
        const previous = slots[sample.position];
        if (previous !== undefined) throw new MergeError(planDir, `${where} is stored by shard ${previous.shard} and by shard ${shard.index}: a duplicated sample`);
        const inRange = ranges.some((range) => range.run === run.runIndex && sample.position >= range.start && sample.position < range.end);
        if (!inRange) throw new MergeError(planDir, `${where} in shard ${shard.index} is outside that shard's part of the plan: a duplicated sample`);
        if (plan.runs[run.runIndex]?.sample_indices[sample.position] !== sample.datasetIndex) {
          throw new MergeError(planDir, `${where} in shard ${shard.index} is dataset row ${sample.datasetIndex}, the plan's is ${plan.runs[run.runIndex]?.sample_indices[sample.position]}`);
        }
        slots[sample.position] = { ...sample, shard: shard.index, vectors: vectorsByLayer.map((vectors) => vectors[row] as Float32Array) };
      });
    }
  }
  return byRun.map((slots, runIndex) =>
    Array.from(slots, (sample, position) => {
      if (sample === undefined) throw new MergeError(planDir, `sample ${position} of variant ${plan.runs[runIndex]?.name} is in no shard`);
      return sample;
    }),
  );
}

/** Where each shard was computed: its attempts and hosts. */
function mergedShardOf(shard: OpenShard): MergedShard {
  const { experiment } = shard;
  return {
    index: shard.index,
    samples: experiment.runs.reduce((sum, run) => sum + run.completedSamples, 0),
    hosts: [...new Set(experiment.cluster.attempts.map((attempt) => attempt.host))],
    attempts: experiment.cluster.attempts,
    execution_provider: experiment.executionProvider,
    started_at: experiment.startedAt,
    ended_at: experiment.endedAt,
    duration_s: experiment.durationS,
    file: shard.file,
  };
}

/** The run means of merged samples, accumulated in processing order as the local loop does. */
function runMeansOf(run: RunRecord, samples: readonly ShardSample[]): RunMeans {
  const hiddenSize = samples[0]?.vectors[0]?.length ?? 0;
  const accumulator = new PoolingAccumulator(run.layerIndices, hiddenSize);
  for (const sample of samples) accumulator.addSample(sample.vectors);
  return accumulator.toRunMeans(run.name);
}

/**
 * Imports the shards of the plan in `planDir` into `store` as one completed experiment, computes its means,
 * comparisons and analytics, and writes its report folder. A plan already merged into this history is refused.
 */
export async function mergeClusterPlan(planDir: string, store: HistoryStore, context: JobContext): Promise<JobResult> {
  const log = context.log ?? (() => undefined);
  const { plan, config } = await readClusterPlan(planDir);
  const merged = store
    .experimentsOfPlan(plan.plan_id)
    .map((id) => store.getExperiment(id))
    .filter((experiment) => experiment.cluster?.kind === 'merged');
  for (const experiment of merged) {
    if (experiment.status === 'completed') throw new MergeError(planDir, `it is already merged into ${store.dbPath} as experiment ${experiment.id}`);
    // A merge that stopped half-way is done again from the shards, which are unchanged.
    store.deleteExperiment(experiment.id);
  }
  const missing = plan.shards.filter((shard) => !existsSync(shardDbPath(planDir, shard.index))).map((shard) => shard.index);
  if (missing.length > 0) {
    const present = await shardFilesIn(planDir);
    throw new MergeError(
      planDir,
      `shard ${missing.join(', ')} of ${plan.shards.length} ${missing.length === 1 ? 'is' : 'are'} missing (no ${missing.map((index) => path.basename(shardDbPath(planDir, index))).join(', ')} in ${path.join(planDir, 'shards')}; present: ${present.join(', ') || 'none'}); compute ${missing.length === 1 ? 'it' : 'them'} with \`cotlab-wb shard ${planDir} --index ${missing[0]}\``,
    );
  }
  const shards: OpenShard[] = [];
  try {
    for (const shard of plan.shards) shards.push(openShard(planDir, plan, shard.index));
    const samples = collectSamples(planDir, plan, shards);
    return await recordMerged(planDir, plan, config, shards, samples, store, context, log);
  } finally {
    for (const shard of shards) shard.reader.close();
  }
}

async function recordMerged(
  planDir: string,
  plan: ClusterPlan,
  config: ResolvedConfig,
  shards: readonly OpenShard[],
  samples: readonly ShardSample[][],
  store: HistoryStore,
  context: JobContext,
  log: (line: string) => void,
): Promise<JobResult> {
  const first = (shards[0] as OpenShard).experiment;
  const startedAt = new Date(Math.min(...shards.map((shard) => Date.parse(shard.experiment.startedAt))));
  const outputDir = await takeReportFolder(context, null, () => defaultOutputDirFor(config, context.outputRoot, startedAt));
  const provenance: MergedProvenance = {
    kind: 'merged',
    plan_id: plan.plan_id,
    plan_dir: path.resolve(planDir),
    shard_count: plan.shards.length,
    merged_on: hostname(),
    shards: shards.map(mergedShardOf),
  };
  const experimentId = store.createExperiment({
    name: config.experiment.name,
    config,
    vectorPolicy: 'all',
    startedAt,
    modelName: config.model.name,
    modelDir: first.modelDir,
    modelHash: first.modelHash,
    demoModel: first.demoModel,
    executionProvider: first.executionProvider,
    executionProviderNote: first.executionProviderNote,
    hook: config.experiment.hook,
    pooling: config.experiment.pooling,
    appVersion: context.appVersion,
    outputDir,
    runtime: first.runtime,
    cluster: provenance,
  });
  log(`history: merging ${plan.shards.length} shards as experiment ${experimentId} in ${store.dbPath}`);
  const runIds = first.runs.map((run) =>
    store.createRun(experimentId, {
      name: run.name,
      datasetName: run.datasetName,
      datasetPath: run.datasetPath ?? (plan.runs[run.runIndex]?.dataset_path as string),
      datasetHash: run.datasetHash,
      promptName: run.promptName,
      promptOptions: run.promptOptions,
      systemPrompt: run.systemPrompt,
      seed: run.seed ?? 0,
      numSamplesPlanned: run.numSamplesPlanned,
      sampleIndices: plan.runs[run.runIndex]?.sample_indices ?? [],
      layerIndices: run.layerIndices,
    }),
  );
  const recorder = ExperimentRecorder.resume(store, experimentId, runIds, new Set());
  let analyses: PairAnalysis[];
  try {
    first.runs.forEach((run, runIndex) => {
      for (const sample of samples[runIndex] ?? []) store.recordSample(runIds[runIndex] as number, sample);
    });
    const runMeans = first.runs.map((run, runIndex) => runMeansOf(run, samples[runIndex] ?? []));
    const comparisons = compareRunMeans(runMeans, config.experiment.comparison_mode, config.experiment.store_per_layer);
    const layers = first.runs[0]?.layerIndices ?? [];
    const analysed: AnalysedRun[] = first.runs.map((run, runIndex) => {
      const runSamples = samples[runIndex] ?? [];
      return {
        name: run.name,
        vectorsByLayer: layers.map((_, k) => runSamples.map((sample) => sample.vectors[k] as Float32Array)),
        labels: runSamples.map((sample): Sample['label'] => sample.label),
        sampleIndices: runSamples.map((sample) => sample.datasetIndex),
        datasetHash: run.datasetHash,
      };
    });
    analyses =
      analysed.length < 2
        ? []
        : analyseRunPairs(
            analysed,
            pairsFor(
              analysed.map((run) => run.name),
              config.experiment.comparison_mode,
            ),
            layers,
            config.experiment.seed,
          );
    const perLayer = perLayerComparisons({ comparisons, runMeans });
    recorder.recordOutcome({ runMeans }, perLayer, analyses, findingsOfPairs(perLayer, analyses));
    const durationS = shards.reduce((sum, shard) => sum + (shard.experiment.durationS ?? 0), 0);
    recorder.finish({ status: 'completed', endedAt: new Date(), durationS, outputDir });
  } catch (error) {
    recorder.finish({ status: 'failed', endedAt: new Date(), durationS: 0, error: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  const report = storedReportInput(store, store.getExperiment(experimentId), 'a report folder', context.configDir);
  try {
    const paths = await writeJobReport(outputDir, report, analyses);
    return { outputDir, paths, report, analyses, experimentId };
  } catch (error) {
    // Every result is stored: the merged experiment completed; `resume` writes its report from the history.
    store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: report.durationSeconds, outputDir, error: `The report could not be written: ${error instanceof Error ? error.message : String(error)}` });
    throw new ReportNotWrittenError(experimentId, { cause: error });
  }
}
