import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeConfig } from '../../src/config/compose.js';
import { reproduceOverrides } from '../../src/config/reproduce.js';

const configDir = fileURLToPath(new URL('../fixtures/config/basic', import.meta.url));
const shippedConfigDir = fileURLToPath(new URL('../../configs', import.meta.url));

describe('reproduceOverrides', () => {
  it('is empty for the default config', () => {
    expect(reproduceOverrides(composeConfig({ configDir, overrides: [] }), configDir)).toEqual([]);
  });

  it('gives group choices first, then only the settings that differ, in config order', () => {
    const config = composeConfig({
      configDir,
      overrides: ['experiment.variants.1.seed=7', 'experiment.layers=[0,2]', 'dataset=letters', 'experiment.pooling=last_token', 'model=mapped'],
    });
    expect(reproduceOverrides(config, configDir)).toEqual([
      'model=mapped',
      'dataset=letters',
      'experiment.pooling=last_token',
      'experiment.layers=[0,2]',
      'experiment.variants.1.seed=7',
    ]);
  });

  it('picks the closest group option when a choice was edited afterwards', () => {
    const config = composeConfig({ configDir, overrides: ['dataset=letters', 'dataset.path=/mine.csv'] });
    expect(reproduceOverrides(config, configDir)).toEqual(['dataset=letters', 'dataset.path=/mine.csv']);
  });

  it('names a variant dataset by its group option when that is shorter than setting its fields', () => {
    const config = composeConfig({
      configDir,
      overrides: ['experiment.variants.0.dataset=letters', 'experiment.variants.0.dataset.metadata_columns=[ward]', 'experiment.variants.1.prompt=base'],
    });
    expect(reproduceOverrides(config, configDir)).toEqual([
      'experiment.variants.0.dataset=letters',
      'experiment.variants.0.dataset.metadata_columns=[ward]',
      'experiment.variants.1.prompt=base',
    ]);
  });

  it('writes replaced variant lists and whole mappings as flow YAML', () => {
    const config = composeConfig({
      configDir,
      overrides: ['experiment.variants=[{name: only, dataset: base, prompt: base}]', 'model.hook_map={cotlab: [a, b]}'],
    });
    expect(reproduceOverrides(config, configDir)).toEqual([
      'model.hook_map={cotlab: [a,b]}',
      'experiment.variants=[{name: only, dataset: base, prompt: base, num_samples: null, seed: null}]',
    ]);
  });

  const roundTrips: [string, string, string[]][] = [
    ['fixture: defaults', configDir, []],
    ['fixture: group choices only', configDir, ['dataset=scans', 'prompt=scans', 'model=mapped']],
    [
      'fixture: typed values',
      configDir,
      [
        'experiment.num_samples=null',
        'experiment.max_input_tokens=512',
        'experiment.answer_cue="\\n\\nAnswer:"',
        'model.name="42"',
        'experiment.description=a, b: c',
        'seed=0',
        'verbose=false',
      ],
    ],
    [
      'fixture: variant edits',
      configDir,
      [
        'experiment.variants.0.dataset=letters',
        'experiment.variants.0.dataset.metadata_columns=[ward]',
        'experiment.variants.1.prompt=base',
        'experiment.variants.1.num_samples=5',
      ],
    ],
    [
      'fixture: variant list replaced',
      configDir,
      ['experiment.variants=[{name: x, dataset: {name: d, format: delimited, path: "/p q.csv", delimiter: "\\t"}}, {name: y}, {name: z, seed: 3}]'],
    ],
    ['fixture: variants emptied', configDir, ['experiment.variants=[]', 'experiment.comparison_mode=baseline']],
    ['shipped: radiology run', shippedConfigDir, ['prompt=radiology', 'dataset=radiology', 'prompt.output_format=yaml', 'prompt.few_shot=false']],
    ['shipped: reference report run', shippedConfigDir, ['experiment.num_samples=50', 'experiment.seed=123', 'model=medgemma_4b_onnx', 'model.path=/models/mg']],
    ['shipped: classification', shippedConfigDir, ['experiment=classification', 'experiment.generation.max_new_tokens=32', 'experiment.generation.do_sample=true']],
    ['shipped: logit lens', shippedConfigDir, ['experiment=logit_lens', 'experiment.top_k=3', 'dataset=radiology']],
    ['shipped: activation_compare with answers', shippedConfigDir, ['experiment.record_answers=true', 'experiment.generation.max_new_tokens=8']],
  ];

  for (const [label, dir, overrides] of roundTrips) {
    it(`round-trips: ${label}`, () => {
      const config = composeConfig({ configDir: dir, overrides });
      const reproduced = reproduceOverrides(config, dir);
      expect(composeConfig({ configDir: dir, overrides: reproduced })).toEqual(config);
      expect(reproduced.length).toBeLessThanOrEqual(overrides.length + 1);
    });
  }
});
