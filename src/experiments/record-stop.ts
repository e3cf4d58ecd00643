import type { ExperimentFinish } from '../store/types.js';
import { ExperimentCancelledError } from './errors.js';
import { ExperimentInterruptedError } from './history-errors.js';

/**
 * Records an experiment that stopped before completing, through `finish`: interrupted when stopped on request,
 * failed with the error's message otherwise. Returns what to throw: for a stop on request an
 * ExperimentInterruptedError saying how many samples are kept, else the error itself. A history that cannot be
 * written (a full disk) is left as it is; the next open marks the experiment interrupted.
 */
export function recordStop(experimentId: number, error: unknown, durationS: number, finish: (outcome: ExperimentFinish) => void): unknown {
  const cancelled = error instanceof ExperimentCancelledError;
  try {
    finish({
      status: cancelled ? 'interrupted' : 'failed',
      endedAt: new Date(),
      durationS,
      error: cancelled ? 'stopped on request' : error instanceof Error ? error.message : String(error),
    });
  } catch {
    // Nothing more can be recorded; the experiment stays `running` until the next open marks it interrupted.
  }
  return cancelled ? new ExperimentInterruptedError(experimentId, error.completedSamples, { cause: error }) : error;
}
