import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { composeConfig } from '../../src/config/compose.js';
import { requireActivationCompare } from '../../src/config/schemas.js';
import { ConfigError, ConfigValidationError } from '../../src/config/errors.js';
import { listGroupOptions } from '../../src/config/groups.js';

const configDir = fileURLToPath(new URL('../fixtures/config/basic', import.meta.url));
const shippedConfigDir = fileURLToPath(new URL('../../configs', import.meta.url));

const compose = (...overrides: string[]) => requireActivationCompare(composeConfig({ configDir, overrides }));

function composeError(...overrides: string[]): ConfigError {
  try {
    compose(...overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${overrides.join(' ')}`);
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the fixture config dir with one file replaced. */
function fixtureWith(file: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'config-compose-'));
  tempDirs.push(dir);
  cpSync(configDir, dir, { recursive: true });
  writeFileSync(join(dir, file), content);
  return dir;
}

describe('composeConfig defaults', () => {
  it('composes every group option from the defaults list plus the root values', () => {
    const config = compose();
    expect(config.backend).toEqual({
      name: 'onnx',
      device: 'auto',
      device_id: 0,
      intra_op_threads: null,
      inter_op_threads: null,
      batch_size: 1,
    });
    expect(config.model).toEqual({ name: 'tiny-model', path: 'models/tiny', safe_name: 'tiny', hook_map: null });
    expect(config.prompt.name).toBe('notes');
    expect(config.dataset.path).toBe('data/notes.tsv');
    expect(config.experiment.num_samples).toBe(20);
    expect(config.experiment.pooling).toBe('mean');
    expect(config.experiment.layers).toBeNull();
    expect([config.seed, config.verbose, config.dry_run]).toEqual([42, true, false]);
    expect(Object.keys(config)).toEqual(['backend', 'model', 'prompt', 'dataset', 'experiment', 'seed', 'verbose', 'dry_run']);
  });

  it('expands variant dataset and prompt option names into the options\u2019 full mappings', () => {
    const [notes, scans] = compose().experiment.variants;
    expect(notes?.dataset).toEqual({
      name: 'notes',
      format: 'hare_tsv',
      path: 'data/notes.tsv',
      text_column: null,
      label_column: null,
      metadata_columns: [],
      delimiter: null,
      gold_classes: null,
      answer_classes: null,
    });
    expect(scans?.prompt).toEqual({
      name: 'scans',
      strategy: 'scans',
      output_format: 'plain',
      few_shot: false,
      answer_first: false,
      contrarian: false,
    });
    expect(scans?.seed).toBeNull();
  });

  it('lists group options from the .yaml files of the group folder only', () => {
    expect(listGroupOptions(configDir, 'dataset')).toEqual(['letters', 'notes', 'scans']);
    expect(listGroupOptions(shippedConfigDir, 'prompt')).toEqual(['histopathology', 'radiology']);
  });
});

describe('composeConfig overrides', () => {
  it('switches a group option', () => {
    const config = compose('dataset=letters', 'model=mapped');
    expect(config.dataset).toMatchObject({ name: 'letters', format: 'delimited', delimiter: ',', metadata_columns: ['ward', 'year'] });
    expect(config.model.hook_map).toEqual({ resid_post: ['layer0/out', 'layer1/out'] });
    expect(config.experiment.variants[0]?.dataset).toMatchObject({ name: 'notes' });
  });

  it('applies group choices before value overrides whatever their order', () => {
    const config = compose('dataset.path=/data/mine.csv', 'dataset=letters');
    expect(config.dataset).toMatchObject({ name: 'letters', path: '/data/mine.csv' });
  });

  it('types values by YAML rules: int, bool, null, list, quoted string, text with newlines', () => {
    const config = compose(
      'experiment.num_samples=5',
      'experiment.store_per_layer=false',
      'experiment.max_input_tokens=null',
      'experiment.layers=[0,2,4]',
      'model.name="123"',
      'experiment.answer_cue="\\n\\nAnswer:"',
      'seed=7',
      'experiment.description=Histopathology vs radiology, 50 samples',
    );
    expect(config.experiment.num_samples).toBe(5);
    expect(config.experiment.store_per_layer).toBe(false);
    expect(config.experiment.max_input_tokens).toBeNull();
    expect(config.experiment.layers).toEqual([0, 2, 4]);
    expect(config.model.name).toBe('123');
    expect(config.experiment.answer_cue).toBe('\n\nAnswer:');
    expect(config.seed).toBe(7);
    expect(config.experiment.description).toBe('Histopathology vs radiology, 50 samples');
  });

  it('addresses list items by index, down into expanded variant datasets', () => {
    const config = compose('experiment.variants.1.seed=7', 'experiment.variants.0.dataset.path=/x/y.tsv');
    expect(config.experiment.variants[1]?.seed).toBe(7);
    expect(config.experiment.variants[0]?.dataset).toMatchObject({ name: 'notes', path: '/x/y.tsv' });
    expect(config.dataset.path).toBe('data/notes.tsv');
  });

  it('expands a variant option named by an override, so later overrides can reach into it', () => {
    const config = compose('experiment.variants.0.dataset=letters', 'experiment.variants.0.dataset.text_column=summary');
    expect(config.experiment.variants[0]?.dataset).toMatchObject({ name: 'letters', text_column: 'summary' });
  });

  it('keeps base / default (any case) as references to the top-level option', () => {
    const config = compose('experiment.variants.0.dataset=base', 'experiment.variants.1.prompt=Default');
    expect(config.experiment.variants[0]?.dataset).toBe('base');
    expect(config.experiment.variants[1]?.prompt).toBe('Default');
  });

  it('replaces a whole list with a flow sequence of mappings', () => {
    const config = compose('experiment.variants=[{name: only, dataset: base, num_samples: 3}]');
    expect(config.experiment.variants).toEqual([{ name: 'only', dataset: 'base', prompt: null, num_samples: 3, seed: null }]);
  });

  it('accepts every capture point, and hook_map tensors for hf_hidden_states', () => {
    for (const hook of ['resid_post', 'hf_hidden_states', 'cotlab']) expect(compose(`experiment.hook=${hook}`).experiment.hook).toBe(hook);
    expect(compose('model.hook_map={hf_hidden_states: [a, b]}').model.hook_map).toEqual({ hf_hidden_states: ['a', 'b'] });
  });

  it('sets a null mapping as a whole', () => {
    const config = compose('model.hook_map={cotlab: [a, b]}');
    expect(config.model.hook_map).toEqual({ cotlab: ['a', 'b'] });
  });
});

describe('composeConfig errors', () => {
  it('rejects a list index out of range, naming the override and the key path', () => {
    const error = composeError('experiment.variants.3.seed=7');
    expect(error.message).toBe("experiment.variants.3: index out of range (2 variants) (override 'experiment.variants.3.seed=7')");
    expect(error.path).toBe('experiment.variants.3');
    expect(error.override).toBe('experiment.variants.3.seed=7');
  });

  it('rejects an unknown key and suggests the closest one', () => {
    expect(composeError('experiment.poolin=mean').message).toBe(
      "experiment.poolin: unknown key; did you mean pooling? (override 'experiment.poolin=mean')",
    );
    expect(composeError('experimnt.seed=1').message).toContain('experimnt: unknown key; did you mean experiment?');
    expect(composeError('experiment.variants.0.dataset.formatt=x').message).toContain(
      'experiment.variants.0.dataset.formatt: unknown key; did you mean format?',
    );
    expect(composeError('experiment.zzz=1').message).toBe("experiment.zzz: unknown key (override 'experiment.zzz=1')");
  });

  it('rejects an unknown group option, listing or suggesting the options', () => {
    expect(composeError('dataset=scan').message).toBe("dataset: unknown dataset option 'scan'; did you mean scans? (override 'dataset=scan')");
    expect(composeError('model=medgemma').message).toBe(
      "model: unknown model option 'medgemma'; available: mapped, tiny (override 'model=medgemma')",
    );
    expect(composeError('experiment.variants.1.prompt=xyz').message).toBe(
      "experiment.variants.1.prompt: unknown prompt option 'xyz'; available: notes, scans (override 'experiment.variants.1.prompt=xyz')",
    );
  });

  it('rejects malformed overrides', () => {
    for (const text of ['experiment.seed', '=3', 'experiment..seed=3', 'experiment.seed 3']) {
      expect(composeError(text).message).toBe(
        `malformed override; expected key=value, e.g. experiment.seed=7 or dataset=radiology (override '${text}')`,
      );
    }
    expect(composeError('+experiment.extra=1').message).toContain('adding (+) or deleting (~) keys is not supported');
    expect(composeError('experiment.layers=[0,1').message).toMatch(/^malformed value '\[0,1': Flow sequence must end with a \]/);
    expect(composeError('dataset={name: x}').message).toBe(
      "dataset: expected the name of a dataset option, e.g. dataset=<file name without .yaml> (override 'dataset={name: x}')",
    );
  });

  it('rejects walking into a value that is not a mapping or list', () => {
    expect(composeError('model.hook_map.resid_post=[a]').message).toBe(
      "model.hook_map.resid_post: model.hook_map is null, not a mapping or list; set model.hook_map as a whole instead (override 'model.hook_map.resid_post=[a]')",
    );
    expect(composeError('experiment.variants.name=x').message).toContain(
      'experiment.variants.name: experiment.variants is a list; address its items by index (0..1)',
    );
  });

  it('reports wrong types and limits with the dotted path and the override that set them', () => {
    const error = composeError('experiment.pooling=max', 'experiment.layer_stride=0', 'experiment.num_samples=2.5', 'seed=abc');
    expect(error).toBeInstanceOf(ConfigValidationError);
    const issues = (error as ConfigValidationError).issues;
    expect(issues.map((issue) => [issue.path, issue.override])).toEqual([
      ['experiment.num_samples', 'experiment.num_samples=2.5'],
      ['experiment.pooling', 'experiment.pooling=max'],
      ['experiment.layer_stride', 'experiment.layer_stride=0'],
      ['seed', 'seed=abc'],
    ]);
    expect(error.message).toContain(`experiment.pooling: Invalid option: expected one of "mean"|"last_token" (override 'experiment.pooling=max')`);
    expect(error.message).toContain("experiment.layer_stride: Too small: expected number to be >=1 (override 'experiment.layer_stride=0')");
  });

  it('enforces the semantic limits', () => {
    const cases: [string, string][] = [
      ['experiment.comparison_mode=all', 'experiment.comparison_mode'],
      ['experiment.layers=[0,-1]', 'experiment.layers.1'],
      ['experiment.layers=[0.5]', 'experiment.layers.0'],
      ['experiment.layers=[]', 'experiment.layers'],
      ['experiment.max_input_tokens=0', 'experiment.max_input_tokens'],
      ['experiment.hook=attn', 'experiment.hook'],
      ['prompt.output_format=toon', 'prompt.output_format'],
      ['backend.device=tpu', 'backend.device'],
      ['experiment.variants.0.num_samples=many', 'experiment.variants.0.num_samples'],
      ['experiment.variants.0.dataset.format=xlsx', 'experiment.variants.0.dataset.format'],
      ['model.hook_map={}', 'model.hook_map'],
      ['model.hook_map={resid_post: []}', 'model.hook_map.resid_post'],
      ['model.safe_name=my model', 'model.safe_name'],
      ['experiment.name=other', 'experiment.name'],
    ];
    for (const [override, path] of cases) {
      const error = composeError(override);
      expect(error, override).toBeInstanceOf(ConfigValidationError);
      expect(error.path, override).toBe(path);
      expect(error.override, override).toBe(override);
    }
    expect(compose('experiment.num_samples=null', 'experiment.layers=[0,3]').experiment.layers).toEqual([0, 3]);
  });

  it('reports a variant reference that is neither an option mapping nor base/default', () => {
    const error = composeError('experiment.variants=[{name: a, dataset: 12}]');
    expect(error.path).toBe('experiment.variants.0.dataset');
  });

  it('points schema problems in group files at the file', () => {
    const dir = fixtureWith('experiment/activation_compare.yaml', 'name: activation_compare\npoolng: mean\n');
    let error: unknown;
    try {
      composeConfig({ configDir: dir, overrides: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const issues = (error as ConfigValidationError).issues;
    expect(issues).toContainEqual({
      path: 'experiment.poolng',
      message: 'unknown key',
      override: null,
      file: join(dir, 'experiment/activation_compare.yaml'),
    });
    expect(issues.map((issue) => issue.path)).toContain('experiment.pooling');
  });

  it('reports YAML syntax errors with file and line', () => {
    const dir = fixtureWith('dataset/notes.yaml', 'name: notes\nformat: [hare_tsv\npath: x\n');
    let error: unknown;
    try {
      composeConfig({ configDir: dir, overrides: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(join(dir, 'dataset/notes.yaml'));
    expect((error as ConfigError).line).toBeGreaterThanOrEqual(2);
    expect((error as ConfigError).message).toMatch(/^invalid YAML: /);
  });

  it('rejects a defaults entry that is not a group: option pair', () => {
    const dir = fixtureWith('config.yaml', 'defaults:\n  - backend: onnx\n  - _self_\nseed: 1\n');
    expect(() => composeConfig({ configDir: dir, overrides: [] })).toThrow(
      `defaults.1: each defaults entry must be one group: option pair, e.g. {dataset: histopathology} (${join(dir, 'config.yaml')})`,
    );
  });

  it('reports a missing configs directory', () => {
    expect(() => composeConfig({ configDir: join(configDir, 'nowhere'), overrides: [] })).toThrow(
      `file not found (${join(configDir, 'nowhere', 'config.yaml')})`,
    );
  });
});

describe('shipped configs/', () => {
  it('composes the classification and logit_lens experiments, each with its own settings only', () => {
    const classification = composeConfig({ configDir: shippedConfigDir, overrides: ['experiment=classification', 'experiment.generation.max_new_tokens=16'] });
    expect(classification.experiment).toMatchObject({ name: 'classification', comparison_mode: 'pairwise', bootstrap_resamples: 2000, generation: { max_new_tokens: 16, do_sample: false } });
    expect(classification.experiment).not.toHaveProperty('pooling');
    const lens = composeConfig({ configDir: shippedConfigDir, overrides: ['experiment=logit_lens'] });
    expect(lens.experiment).toMatchObject({ name: 'logit_lens', top_k: 10, answer_cue: '\n\nFINAL ANSWER:', layers: null });
    expect(() => composeConfig({ configDir: shippedConfigDir, overrides: ['experiment=classification', 'experiment.pooling=mean'] })).toThrow(/experiment\.pooling: unknown key/);
  });

  it('composes to the documented defaults', () => {
    const config = composeConfig({ configDir: shippedConfigDir, overrides: [] });
    expect(config.model).toMatchObject({ name: 'demo-gemma3-tiny', path: 'resources/demo-model', safe_name: 'demo_gemma3_tiny' });
    expect(config.dataset).toMatchObject({ name: 'histopathology', format: 'hare_tsv', path: 'data/histopathology.tsv' });
    expect(config.prompt).toEqual({
      name: 'histopathology',
      strategy: 'histopathology',
      output_format: 'json',
      few_shot: true,
      answer_first: false,
      contrarian: false,
    });
    const { variants, ...experiment } = config.experiment;
    expect(experiment).toEqual({
      name: 'activation_compare',
      description: 'Compare residual stream activations across runs',
      num_samples: 20,
      seed: 42,
      pooling: 'mean',
      layers: null,
      layer_stride: 1,
      hook: 'resid_post',
      max_input_tokens: null,
      answer_cue: null,
      comparison_mode: 'pairwise',
      store_per_layer: true,
      log_samples: false,
      record_answers: false,
      generation: { max_new_tokens: 256, do_sample: false, temperature: 1, top_p: 1, seed: null, stop_strings: null },
    });
    expect(variants.map((v) => [v.name, v.dataset, v.prompt].map((x) => (typeof x === 'string' ? x : x?.name)))).toEqual([
      ['histopathology', 'histopathology', 'histopathology'],
      ['radiology', 'radiology', 'radiology'],
    ]);
    expect(composeConfig({ configDir: shippedConfigDir, overrides: ['model=medgemma_4b_onnx', 'dataset=radiology'] }).model.safe_name).toBe(
      'medgemma_4b',
    );
  });
});
