import path from 'node:path';
import type { ModelHostOptions } from '../../src/model/model-host.js';

/** Model host options for a test: every layer's residual stream on CPU, capture graphs cached inside `scratch`. */
export function cpuHostOptions(modelDir: string, scratch: string, overrides: Partial<ModelHostOptions> = {}): ModelHostOptions {
  return { modelDir, hook: 'resid_post', layers: null, pooling: 'mean', device: 'cpu', cacheDir: path.join(scratch, 'cache'), ...overrides };
}
