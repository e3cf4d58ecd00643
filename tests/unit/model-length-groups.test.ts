import { describe, expect, it } from 'vitest';
import { lengthGroups } from '../../src/model/model-host.js';

describe('lengthGroups', () => {
  it('groups indices of similar token counts, shortest first, at most batchSize per group', () => {
    expect(lengthGroups([900, 12, 640, 15, 1200, 650, 13], 3)).toEqual([
      [1, 6, 3],
      [2, 5, 0],
      [4],
    ]);
  });

  it('keeps input order among equal lengths and gives one group per prompt at batch size 1', () => {
    expect(lengthGroups([5, 5, 5], 2)).toEqual([[0, 1], [2]]);
    expect(lengthGroups([3, 1], 1)).toEqual([[1], [0]]);
    expect(lengthGroups([], 4)).toEqual([]);
  });
});
