import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeConfig } from '../../src/config/compose.js';
import { resolveVariants } from '../../src/config/variants.js';

const configDir = fileURLToPath(new URL('../fixtures/config/basic', import.meta.url));

describe('resolveVariants', () => {
  it('fills top-level dataset / prompt and experiment num_samples / seed where a variant leaves them open', () => {
    const config = composeConfig({
      configDir,
      overrides: ['experiment.variants.0.prompt=base', 'experiment.variants.0.num_samples=5', 'experiment.variants.1.dataset=null', 'experiment.variants.1.seed=3'],
    });
    const [first, second] = resolveVariants(config);
    expect(first).toEqual({ name: 'notes', dataset: config.experiment.variants[0]?.dataset, prompt: config.prompt, num_samples: 5, seed: 42 });
    expect(second).toEqual({ name: 'scans', dataset: config.dataset, prompt: config.experiment.variants[1]?.prompt, num_samples: 20, seed: 3 });
  });

  it('makes one run named base when there are no variants', () => {
    const config = composeConfig({ configDir, overrides: ['experiment.variants=[]', 'experiment.num_samples=null'] });
    expect(resolveVariants(config)).toEqual([{ name: 'base', dataset: config.dataset, prompt: config.prompt, num_samples: null, seed: 42 }]);
  });
});
