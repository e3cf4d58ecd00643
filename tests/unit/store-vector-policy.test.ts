import { describe, expect, it } from 'vitest';
import { keepsLayerVector, VectorPolicySchema } from '../../src/store/vector-policy.js';

describe('vector policy', () => {
  it('keeps every layer under all, none under means, the listed ones otherwise', () => {
    expect([0, 5].map((layer) => keepsLayerVector('all', layer))).toEqual([true, true]);
    expect([0, 5].map((layer) => keepsLayerVector('means', layer))).toEqual([false, false]);
    expect([0, 3, 5].map((layer) => keepsLayerVector({ layers: [3, 5] }, layer))).toEqual([false, true, true]);
  });

  it('accepts only the three shapes', () => {
    expect(VectorPolicySchema.safeParse({ layers: [1, 2] }).success).toBe(true);
    expect(VectorPolicySchema.safeParse('some').success).toBe(false);
    expect(VectorPolicySchema.safeParse({ layers: [-1] }).success).toBe(false);
    expect(VectorPolicySchema.safeParse({ layers: [1], extra: true }).success).toBe(false);
  });
});
