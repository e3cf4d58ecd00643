import path from 'node:path';
import { resolveVariants } from '../config/variants.js';
import { checkDatasetFile } from '../datasets/read-dataset-file.js';
import type { ProgressEvent as EngineProgress } from '../experiments/activation-compare.js';
import { ExperimentCancelledError } from '../experiments/errors.js';
import { ExperimentInterruptedError, ResumeError } from '../experiments/history-errors.js';
import type { WorkbenchConfig } from '../config/schemas.js';
import { resumeExperiment, runExperiment, type ExperimentRun } from '../experiments/run-experiment.js';
import type { JobHooks } from '../experiments/run-job.js';
import type { HistoryStore } from '../store/history-store.js';
import { openHistoryStore } from '../store/open-store.js';
import type { ExperimentRequest, ProgressEvent } from '../contract/index.js';
import { startingEvent } from './starting-event.js';
import { jobContextFor, type EngineOptions } from './engine-options.js';
import { experimentConfig } from './experiment-config.js';
import type { PathPolicy } from './path-policy.js';
import { baseConfig, configOptions } from './workbench-configs.js';

/** What a run process is asked to do: a new experiment from the UI, or continuing an interrupted one. */
export type ExperimentJob = { kind: 'start'; request: ExperimentRequest } | { kind: 'resume'; experimentId: string };

/** Small models finish hundreds of samples a second; the UI needs a few updates a second, not one per sample. */
const PROGRESS_INTERVAL_MS = 100;

/** Where a run reports to: acceptance (or refusal) of the job, then progress until one final event. */
export interface JobReporter {
  accepted(): void;
  progress(event: ProgressEvent): void;
}

/**
 * Runs one experiment job through the engine, exactly as `cotlab-wb run` / `resume` do: recorded in the history
 * with every per-sample vector (so it can be resumed), analysed, and written as a CoTLab report folder. Invalid
 * settings throw before anything starts; after `accepted()` every outcome is reported as the final progress event.
 */
export async function runExperimentJob(
  runId: string,
  job: ExperimentJob,
  options: EngineOptions,
  paths: PathPolicy,
  signal: AbortSignal,
  reporter: JobReporter,
): Promise<void> {
  const config = job.kind === 'start' ? experimentConfig(job.request, baseConfig(options.configDir), configOptions(options.configDir), paths) : null;
  // A dataset file gone since it was opened is refused here, before anything is recorded, rather than as a failed run.
  if (config !== null) for (const variant of resolveVariants(config)) checkDatasetFile(path.resolve(options.root, variant.dataset.path));
  let latest: ProgressEvent = { ...startingEvent(runId, 'Loading the data and the model…'), variantCount: config?.experiment.variants.length ?? 0 };
  let lastSentAt = 0;
  const publish = (change: Partial<ProgressEvent>, always: boolean) => {
    latest = { ...latest, ...change };
    const now = performance.now();
    if (!always && now - lastSentAt < PROGRESS_INTERVAL_MS) return;
    lastSentAt = now;
    reporter.progress(latest);
  };
  const hooks: JobHooks = {
    signal,
    onExperimentCreated: (experimentId) => publish({ experimentId: String(experimentId), message: config?.experiment.name === 'classification' ? 'Generating answers…' : 'Capturing activations…' }, true),
    onProgress: (progress: EngineProgress) => {
      const finished = progress.done === progress.total;
      publish(
        {
          state: 'running',
          variantName: progress.run,
          variantIndex: progress.runIndex,
          variantCount: progress.runCount,
          samplesDone: progress.done,
          samplesTotal: progress.total,
          samplesPerSecond: progress.samplesPerSecond,
          etaSeconds: progress.etaSeconds,
          message: finished ? 'Computing the analytics (bootstrap intervals, permutation tests, PCA) and writing the report…' : null,
        },
        finished,
      );
    },
  };
  const context = jobContextFor(options, (line) => publish({ message: line }, false));
  const store: HistoryStore = openHistoryStore(options.dbPath);
  let resumeId: number | null = null;
  try {
    resumeId = job.kind === 'resume' ? store.resolveExperimentRef(job.experimentId) : null;
  } catch (error) {
    store.close();
    throw error;
  }
  if (resumeId !== null) latest = { ...latest, experimentId: String(resumeId) };
  reporter.accepted();
  publish({}, true);
  let result: ExperimentRun;
  try {
    result = resumeId !== null ? await resumeExperiment(store, resumeId, context, hooks) : await runExperiment(config as WorkbenchConfig, context, hooks, { store, vectorPolicy: 'all' });
  } catch (error) {
    store.close();
    reporter.progress(finalEvent(latest, error, signal));
    return;
  }
  store.close();
  reporter.progress({
    ...latest,
    state: 'completed',
    samplesDone: latest.samplesTotal,
    etaSeconds: 0,
    experimentId: result.experimentId === null ? latest.experimentId : String(result.experimentId),
    message: `Report written to ${result.outputDir}`,
  });
}

/** The last event of a run that did not complete: cancelled on request, or failed with the engine's message. */
function finalEvent(latest: ProgressEvent, error: unknown, signal: AbortSignal): ProgressEvent {
  const cancelled = error instanceof ExperimentInterruptedError || error instanceof ExperimentCancelledError || signal.aborted;
  // A refused resume changed nothing; any other stop leaves the experiment resumable with the samples it stored.
  const kept =
    latest.experimentId === null || error instanceof ResumeError
      ? ''
      : ` Experiment ${latest.experimentId} keeps the samples done so far; resume it from the History.`;
  return {
    ...latest,
    state: cancelled ? 'cancelled' : 'failed',
    etaSeconds: null,
    message: cancelled ? `Cancelled.${kept}` : `${error instanceof Error ? error.message : String(error)}${kept}`,
  };
}
