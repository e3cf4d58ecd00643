import type { ProgressEvent } from '../../src/contract/index.js';

/**
 * The run on screen once the engine has accepted it: the run already reported when its first progress event came
 * before the answer, otherwise a `starting` run with nothing done yet.
 */
export function runStarted(
  current: ProgressEvent | null,
  runId: string,
  start: { variantCount: number; message?: string; experimentId?: string },
): ProgressEvent {
  if (current?.runId === runId) return current;
  return {
    runId,
    state: 'starting',
    variantName: null,
    variantIndex: 0,
    variantCount: start.variantCount,
    samplesDone: 0,
    samplesTotal: 0,
    samplesPerSecond: null,
    etaSeconds: null,
    message: start.message ?? null,
    experimentId: start.experimentId ?? null,
    queuePosition: null,
  };
}
