import { randomUUID } from 'node:crypto';
import type { ResolvedConfig } from '../config/schemas.js';
import { executeActivationCompare, type ActivationCompareOutcome } from '../experiments/activation-compare.js';
import { ExperimentCancelledError } from '../experiments/errors.js';
import { buildReportInput, defaultOutputDirFor, openJobModel, prepareJob, type JobContext } from '../experiments/run-job.js';
import type { ModelHost } from '../model/model-host.js';
import { writeReportFiles } from '../report/write-report.js';
import type { HistoryStore } from '../store/history-store.js';
import type { ProgressEvent } from './contract.js';
import { EngineRequestError } from './engine-port.js';

interface ActiveRun {
  controller: AbortController;
  latest: ProgressEvent;
  lastEmittedAt: number;
}

/** Small models finish hundreds of samples a second; the UI needs a few updates a second, not one per sample. */
const PROGRESS_INTERVAL_MS = 100;

/**
 * Experiments started from the UI: each runs the engine's activation_compare loop, is recorded in the history as it
 * goes (so a crash leaves an `interrupted` experiment, not nothing), writes its report folder, and reports progress.
 * Cancelling aborts between two samples.
 */
export class ExperimentRuns {
  private readonly runs = new Map<string, ActiveRun>();

  constructor(
    private readonly context: JobContext,
    private readonly store: HistoryStore,
    private readonly emit: (event: ProgressEvent) => void,
  ) {}

  start(config: ResolvedConfig): string {
    const runId = randomUUID();
    const controller = new AbortController();
    const latest = this.event(runId, { state: 'starting', variantCount: config.experiment.variants.length, message: 'Loading data and model…' });
    this.runs.set(runId, { controller, latest, lastEmittedAt: 0 });
    this.publish(runId, latest);
    void this.execute(runId, config, controller.signal);
    return runId;
  }

  cancel(runId: string): boolean {
    const run = this.runs.get(runId);
    if (!run || !['starting', 'running'].includes(run.latest.state)) return false;
    run.controller.abort();
    return true;
  }

  status(runId: string): ProgressEvent {
    const run = this.runs.get(runId);
    if (!run) throw new EngineRequestError(`No experiment run "${runId}" was started by this workbench session.`, 'not_found');
    return run.latest;
  }

  /** Aborts every unfinished run (the workbench is closing). */
  cancelAll(): void {
    for (const run of this.runs.values()) run.controller.abort();
  }

  private async execute(runId: string, config: ResolvedConfig, signal: AbortSignal): Promise<void> {
    const startTime = new Date();
    let experimentId: number | null = null;
    let host: ModelHost | null = null;
    let samplesTotal = 0;
    try {
      const job = prepareJob(config, this.context);
      samplesTotal = job.runs.reduce((sum, run) => sum + run.sampleIndices.length, 0);
      this.publish(runId, this.event(runId, { state: 'starting', variantCount: job.runs.length, samplesTotal, message: 'Opening the model…' }));
      host = await openJobModel(job, this.context.cacheDir);
      const openedHost = host;
      if (signal.aborted) throw new ExperimentCancelledError(0);
      experimentId = this.store.createExperiment({
        name: config.experiment.name,
        config,
        vectorPolicy: 'means',
        startedAt: startTime,
        modelName: config.model.name,
        modelDir: job.modelDir.dir,
        demoModel: isDemoModel(job.modelDir.config.raw),
        executionProvider: host.info.executionProvider,
        executionProviderNote: host.info.executionProviderNote,
        hook: config.experiment.hook,
        pooling: config.experiment.pooling,
        appVersion: this.context.appVersion,
      });
      const storedExperiment = experimentId;
      const runIds = job.runs.map((run) =>
        this.store.createRun(storedExperiment, {
          name: run.name,
          datasetName: run.dataset.name,
          datasetPath: run.dataset.path,
          promptName: run.prompt.name,
          promptOptions: run.numSamplesRequested === null ? null : { num_samples: run.numSamplesRequested },
          systemPrompt: run.prompt.systemPrompt(),
          seed: run.seed,
          numSamplesPlanned: run.sampleIndices.length,
          sampleIndices: run.sampleIndices,
          layerIndices: openedHost.layers,
        }),
      );
      const runStart = performance.now();
      const outcome = await executeActivationCompare(host, job.runs, config.experiment, {
        signal,
        onSample: (captured) =>
          this.store.recordSample(runIds[captured.runIndex] as number, {
            position: captured.position,
            datasetIndex: captured.sample.idx,
            label: captured.sample.label,
            tokenCount: captured.tokenCount,
            truncated: captured.truncated,
            promptHash: captured.promptHash,
            vectors: captured.pooled,
          }),
        onProgress: (progress) =>
          this.publish(
            runId,
            this.event(runId, {
              state: 'running',
              variantName: progress.run,
              variantIndex: progress.runIndex,
              variantCount: progress.runCount,
              samplesDone: progress.done,
              samplesTotal: progress.total,
              samplesPerSecond: progress.samplesPerSecond,
              etaSeconds: progress.etaSeconds,
              experimentId: String(storedExperiment),
            }),
          ),
      });
      const runDurationSeconds = (performance.now() - runStart) / 1000;
      this.storeOutcome(storedExperiment, runIds, outcome);
      const endTime = new Date();
      const report = buildReportInput(job, host, outcome, this.context, { startTime, endTime, runDurationSeconds, status: 'Completed' });
      const outputDir = defaultOutputDirFor(config, this.context.outputRoot, startTime);
      await writeReportFiles(outputDir, report);
      this.store.finishExperiment(storedExperiment, {
        status: 'completed',
        endedAt: endTime,
        durationS: (endTime.getTime() - startTime.getTime()) / 1000,
        outputDir,
      });
      this.publish(
        runId,
        this.event(runId, {
          ...this.runs.get(runId)?.latest,
          state: 'completed',
          etaSeconds: 0,
          variantCount: job.runs.length,
          variantIndex: job.runs.length - 1,
          samplesDone: samplesTotal,
          samplesTotal,
          experimentId: String(storedExperiment),
          message: `Report written to ${outputDir}`,
        }),
      );
    } catch (error) {
      const cancelled = error instanceof ExperimentCancelledError || signal.aborted;
      const message = error instanceof Error ? error.message : String(error);
      if (experimentId !== null) {
        const endedAt = new Date();
        this.store.finishExperiment(experimentId, {
          status: cancelled ? 'interrupted' : 'failed',
          endedAt,
          durationS: (endedAt.getTime() - startTime.getTime()) / 1000,
          error: cancelled ? 'cancelled by the user' : message,
        });
      }
      const previous = this.runs.get(runId)?.latest;
      this.publish(
        runId,
        this.event(runId, {
          ...previous,
          state: cancelled ? 'cancelled' : 'failed',
          samplesTotal: previous?.samplesTotal ?? samplesTotal,
          experimentId: experimentId === null ? null : String(experimentId),
          etaSeconds: null,
          message: cancelled ? 'Cancelled. The samples done so far are kept in the history as an interrupted experiment.' : message,
        }),
      );
    } finally {
      await host?.dispose();
    }
  }

  private storeOutcome(experimentId: number, runIds: readonly number[], outcome: ActivationCompareOutcome): void {
    const idByName = new Map<string, number>();
    outcome.runMeans.forEach((means, i) => {
      const runId = runIds[i] as number;
      idByName.set(means.name, runId);
      const layerMeans = means.layerIndices.map((layer) => means.meanByLayer.get(layer) as Float32Array);
      this.store.completeRun(runId, { layerMeans, norms: outcome.runs[i]?.mean_activation_norms ?? [] });
    });
    this.store.saveComparisons(
      experimentId,
      outcome.comparisons.flatMap((comparison) =>
        comparison.layer_indices.map((layer, i) => ({
          runAId: idByName.get(comparison.run_a) as number,
          runBId: idByName.get(comparison.run_b) as number,
          layer,
          cosine: comparison.layer_cosine_similarity?.[i] ?? 0,
          l2: comparison.layer_l2_distance?.[i] ?? 0,
        })),
      ),
    );
  }

  private event(runId: string, fields: Partial<ProgressEvent>): ProgressEvent {
    return {
      runId,
      state: 'starting',
      variantName: null,
      variantIndex: 0,
      variantCount: 0,
      samplesDone: 0,
      samplesTotal: 0,
      samplesPerSecond: null,
      etaSeconds: null,
      message: null,
      experimentId: null,
      ...fields,
    };
  }

  /** Always records the latest state; a `running` update is sent on only when the last one is old enough. */
  private publish(runId: string, event: ProgressEvent): void {
    const run = this.runs.get(runId);
    const now = performance.now();
    if (run) {
      run.latest = event;
      if (event.state === 'running' && now - run.lastEmittedAt < PROGRESS_INTERVAL_MS) return;
      run.lastEmittedAt = now;
    }
    this.emit(event);
  }
}

/** The generated demo model marks itself in config.json (its weights are random). */
function isDemoModel(raw: Record<string, unknown>): boolean {
  const demo = raw['cotlab_demo'];
  return typeof demo === 'object' && demo !== null && (demo as { random_weights?: unknown }).random_weights === true;
}
