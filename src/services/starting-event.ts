import type { ProgressEvent } from '../contract/index.js';

/** The progress event of a run that has not processed a sample yet. */
export function startingEvent(runId: string, message: string): ProgressEvent {
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
    message,
    experimentId: null,
    queuePosition: null,
  };
}
