import { z } from 'zod';

/**
 * Which per-sample vectors an experiment keeps: every captured layer, only some layers, or none (layer means and
 * comparisons are always kept). Vectors dominate the file size: 34 layers x 2560 floats is 348 KB per sample.
 */
export type VectorPolicy = 'all' | 'means' | { layers: number[] };

export const VectorPolicySchema: z.ZodType<VectorPolicy> = z.union([
  z.literal('all'),
  z.literal('means'),
  z.object({ layers: z.array(z.number().int().nonnegative()) }).strict(),
]);

/** Whether the vector of `layer` is stored under `policy`. */
export function keepsLayerVector(policy: VectorPolicy, layer: number): boolean {
  if (policy === 'all') return true;
  if (policy === 'means') return false;
  return policy.layers.includes(layer);
}
