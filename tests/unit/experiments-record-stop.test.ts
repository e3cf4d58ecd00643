import { describe, expect, it } from 'vitest';
import { ExperimentCancelledError } from '../../src/experiments/errors.js';
import { ExperimentInterruptedError } from '../../src/experiments/history-errors.js';
import { recordStop } from '../../src/experiments/record-stop.js';
import type { ExperimentFinish } from '../../src/store/types.js';

describe('recordStop', () => {
  it('records a stop on request as interrupted and answers with how many samples are kept', () => {
    const recorded: ExperimentFinish[] = [];
    const thrown = recordStop(7, new ExperimentCancelledError(12), 3.5, (outcome) => recorded.push(outcome));
    expect(recorded).toEqual([{ status: 'interrupted', endedAt: expect.any(Date), durationS: 3.5, error: 'stopped on request' }]);
    expect(thrown).toBeInstanceOf(ExperimentInterruptedError);
    expect((thrown as ExperimentInterruptedError).message).toBe('Stopped after 12 samples; experiment 7 is kept in the history as interrupted.');
  });

  it('records any other error as failed with its message and answers with the error itself', () => {
    const recorded: ExperimentFinish[] = [];
    const error = new Error('onnxruntime ran out of memory');
    expect(recordStop(7, error, 1, (outcome) => recorded.push(outcome))).toBe(error);
    expect(recorded).toEqual([{ status: 'failed', endedAt: expect.any(Date), durationS: 1, error: 'onnxruntime ran out of memory' }]);
  });

  it('still answers when the history cannot be written', () => {
    const error = new Error('boom');
    expect(
      recordStop(7, error, 1, () => {
        throw new Error('SQLITE_FULL');
      }),
    ).toBe(error);
  });
});
