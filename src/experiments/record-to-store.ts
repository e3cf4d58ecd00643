import { analysisSettingsOf, type PairAnalysis } from '../analytics/divergence.js';
import { analysisFor } from '../analytics/layer-rows.js';
import { requireFindingsOfPair, type PairFindings } from '../results/findings.js';
import type { Comparison } from '../results/types.js';
import type { ResolvedConfig } from '../config/schemas.js';
import type { ModelHost } from '../model/model-host.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ExperimentFinish, LayerComparisonInput, NewRun, PairInput } from '../store/types.js';
import type { VectorPolicy } from '../store/vector-policy.js';
import type { ClusterRecord } from '../results/cluster.js';
import type { ActivationCompareOutcome, CapturedSample } from './activation-compare.js';
import type { PlannedRun } from './plan.js';
import { meanActivationNorms } from './metrics.js';
import { runtimeRecordOf } from './runtime-record.js';

/** What identifies a new experiment beyond its config: fingerprints and where its report goes. */
export interface NewRecording {
  config: ResolvedConfig;
  runs: readonly PlannedRun[];
  host: ModelHost;
  modelDir: string;
  demoModel: boolean;
  /** sha256 of model.onnx. */
  modelHash: string;
  /** sha256 of each run's dataset file, in run order. */
  datasetHashes: readonly string[];
  vectorPolicy: VectorPolicy;
  appVersion: string;
  /** null: the experiment writes no report folder (a shard of a cluster plan). */
  outputDir: string | null;
  startedAt: Date;
  /** Set for a shard of a cluster plan: which one it is, and the process computing it. */
  cluster?: ClusterRecord;
}

/**
 * Writes one experiment into the history while it runs: the experiment and its runs up front, each sample as it
 * is captured (one transaction each), then run means, comparisons with their analytics, and the final status.
 */
export class ExperimentRecorder {
  private constructor(
    private readonly store: HistoryStore,
    readonly experimentId: number,
    /** History run id per run index. */
    readonly runIds: readonly number[],
    /** Run indices whose means are already stored (completed before an interruption). */
    private readonly completedRuns: ReadonlySet<number>,
  ) {}

  /** Creates the experiment (status running) and all its runs. */
  static start(store: HistoryStore, recording: NewRecording): ExperimentRecorder {
    const { config, host } = recording;
    const experimentId = store.createExperiment({
      name: config.experiment.name,
      config,
      vectorPolicy: recording.vectorPolicy,
      startedAt: recording.startedAt,
      modelName: config.model.name,
      modelDir: recording.modelDir,
      modelHash: recording.modelHash,
      demoModel: recording.demoModel,
      executionProvider: host.info.executionProvider,
      executionProviderNote: host.info.executionProviderNote,
      hook: config.experiment.hook,
      pooling: config.experiment.pooling,
      appVersion: recording.appVersion,
      outputDir: recording.outputDir,
      runtime: runtimeRecordOf(host.info),
      cluster: recording.cluster ?? null,
    });
    const runIds = recording.runs.map((run) =>
      store.createRun(experimentId, newRunOf(run, recording.datasetHashes[run.index] ?? null, host.layers)),
    );
    return new ExperimentRecorder(store, experimentId, runIds, new Set());
  }

  /** Continues recording an experiment the store has already taken over (HistoryStore.resumeExperiment). */
  static resume(
    store: HistoryStore,
    experimentId: number,
    runIds: readonly number[],
    completedRuns: ReadonlySet<number>,
  ): ExperimentRecorder {
    return new ExperimentRecorder(store, experimentId, runIds, completedRuns);
  }

  recordSample(captured: CapturedSample): void {
    this.store.recordSample(this.runId(captured.runIndex), {
      position: captured.position,
      datasetIndex: captured.sample.idx,
      label: captured.sample.label,
      tokenCount: captured.tokenCount,
      truncated: captured.truncated,
      promptHash: captured.promptHash,
      vectors: captured.pooled,
    });
  }

  /**
   * Stores each unfinished run's means, then every compared pair: its per-layer metrics (`perLayer`: the
   * comparisons with per-layer values) with their analytics, its findings and how it was analysed.
   */
  recordOutcome(
    outcome: Pick<ActivationCompareOutcome, 'runMeans'>,
    perLayer: readonly Comparison[],
    analyses: readonly PairAnalysis[],
    findings: readonly PairFindings[],
  ): void {
    outcome.runMeans.forEach((means, runIndex) => {
      if (this.completedRuns.has(runIndex)) return;
      this.store.completeRun(this.runId(runIndex), {
        layerMeans: means.layerIndices.map((layer) => means.meanByLayer.get(layer) as Float32Array),
        norms: meanActivationNorms(means),
      });
    });
    const runIndexByName = new Map(outcome.runMeans.map((means, index) => [means.name, index]));
    const pairs = perLayer.map((comparison): PairInput => {
      const analysis = analysisFor(comparison, analyses);
      return {
        runAId: this.runId(runIndexByName.get(comparison.run_a) as number),
        runBId: this.runId(runIndexByName.get(comparison.run_b) as number),
        layers: layerRowsToStore(comparison, analysis),
        findings: requireFindingsOfPair(findings, comparison.run_a, comparison.run_b),
        analysis: analysis === undefined ? null : analysisSettingsOf(analysis),
      };
    });
    this.store.saveComparisons(this.experimentId, pairs);
  }

  finish(finish: ExperimentFinish): void {
    this.store.finishExperiment(this.experimentId, finish);
  }

  private runId(runIndex: number): number {
    return this.runIds[runIndex] as number;
  }
}

/** A planned run as the history records it; `layerIndices` are the layers the model host captures. */
export function newRunOf(run: PlannedRun, datasetHash: string | null, layerIndices: number[]): NewRun {
  return {
    name: run.name,
    datasetName: run.dataset.name,
    datasetPath: run.dataset.path,
    datasetHash,
    promptName: run.prompt.name,
    promptOptions: run.prompt.spec,
    systemPrompt: run.prompt.systemPrompt(),
    seed: run.seed,
    numSamplesPlanned: run.sampleIndices.length,
    sampleIndices: run.sampleIndices,
    layerIndices,
  };
}

/** One row per layer: CoTLab's cosine and L2 of the means plus the analysis's columns for that layer when there is one. */
function layerRowsToStore(comparison: Comparison, analysis: PairAnalysis | undefined): LayerComparisonInput[] {
  const analysed = new Map(analysis?.perLayer.map((layer) => [layer.layer, layer]));
  return comparison.layer_indices.map((layer, k) => {
    const divergence = analysed.get(layer);
    return {
      layer,
      cosine: comparison.layer_cosine_similarity?.[k] as number,
      l2: comparison.layer_l2_distance?.[k] as number,
      centredCosine: divergence?.centredCosine ?? null,
      relativeL2: divergence?.relativeL2 ?? null,
      cosineCiLow: divergence?.cosineCi?.low ?? null,
      cosineCiHigh: divergence?.cosineCi?.high ?? null,
      l2CiLow: divergence?.l2Ci?.low ?? null,
      l2CiHigh: divergence?.l2Ci?.high ?? null,
      pValue: divergence?.pValue ?? null,
      nPermutations: divergence === undefined || divergence.pValue === null ? null : (analysis?.options.nPerm ?? null),
      cka: divergence?.paired?.cka ?? null,
      l2NoiseFloor: divergence?.l2NoiseFloor ?? null,
      l2Debiased: divergence?.l2Debiased ?? null,
      cohensDHeldOut: divergence?.direction.cohensDHeldOut ?? null,
    };
  });
}
