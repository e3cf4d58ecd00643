import { describe, expect, it } from 'vitest';
import { newExperimentUid } from '../../src/store/experiment-uid.js';

describe('newExperimentUid', () => {
  it('starts with the creation time in hex, so uids sort by time', () => {
    const early = newExperimentUid(new Date(0x0123456789a));
    const late = newExperimentUid(new Date(0x0123456789b));
    expect(early).toMatch(/^00123456789a[0-9a-f]{12}$/);
    expect(early < late).toBe(true);
  });

  it('differs within the same millisecond', () => {
    const now = new Date();
    expect(newExperimentUid(now)).not.toBe(newExperimentUid(now));
  });
});
