import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { composeConfig, loadSavedConfig } from '../../src/config/compose.js';
import { requireActivationCompare } from '../../src/config/schemas.js';
import { ConfigError, ConfigValidationError } from '../../src/config/errors.js';
import { toYaml } from '../../src/config/to-yaml.js';

const configDir = fileURLToPath(new URL('../fixtures/config/basic', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'config-saved-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const resolved = composeConfig({ configDir, overrides: ['experiment.answer_cue="\\n\\nAnswer:"', 'experiment.variants.1.seed=9'] });

function save(name: string, content: string): string {
  const file = join(workDir, name);
  writeFileSync(file, content);
  return file;
}

describe('loadSavedConfig', () => {
  it('reads back a resolved config saved as JSON or YAML', () => {
    expect(loadSavedConfig(save('config.json', JSON.stringify(resolved, null, 2)), [])).toEqual(resolved);
    expect(loadSavedConfig(save('config.yaml', toYaml(resolved)), [])).toEqual(resolved);
  });

  it('applies value overrides on top', () => {
    const file = save('over.json', JSON.stringify(resolved));
    const config = loadSavedConfig(file, ['experiment.num_samples=50', 'experiment.variants.0.dataset.path=/x/y.tsv', 'experiment.variants.1.prompt=base']);
    expect(config.experiment.num_samples).toBe(50);
    expect(config.experiment.variants[0]?.dataset).toMatchObject({ name: 'notes', path: '/x/y.tsv' });
    expect(config.experiment.variants[1]?.prompt).toBe('base');
  });

  it('re-validates, pointing at the saved file or at the override', () => {
    const broken = { ...resolved, experiment: { ...resolved.experiment, pooling: 'max' } };
    const file = save('broken.json', JSON.stringify(broken));
    expect(() => loadSavedConfig(file, [])).toThrow(`experiment.pooling: Invalid option: expected one of "mean"|"last_token" (${file})`);
    expect(requireActivationCompare(loadSavedConfig(file, ['experiment.pooling=last_token'])).experiment.pooling).toBe('last_token');
    expect(() => loadSavedConfig(save('ok.json', JSON.stringify(resolved)), ['experiment.seed=0.5'])).toThrow(ConfigValidationError);
  });

  it('refuses group choices and option names, which need the configs directory', () => {
    const file = save('groups.json', JSON.stringify(resolved));
    expect(() => loadSavedConfig(file, ['dataset=scans'])).toThrow(
      "dataset: a saved config cannot switch its dataset option; set single fields instead, e.g. dataset.name=... (override 'dataset=scans')",
    );
    expect(() => loadSavedConfig(file, ['experiment.variants.0.dataset=scans'])).toThrow(
      `experiment.variants.0.dataset: 'scans' names a dataset option, but a saved config has no config groups; give the full mapping or "base" (override 'experiment.variants.0.dataset=scans')`,
    );
  });

  it('reports unreadable files clearly', () => {
    const badJson = save('bad.json', '{"seed": 1,');
    expect(() => loadSavedConfig(badJson, [])).toThrow(ConfigError);
    expect(() => loadSavedConfig(badJson, [])).toThrow(/^invalid JSON: /);
    expect(() => loadSavedConfig(save('list.yaml', '- 1\n- 2\n'), [])).toThrow('expected a mapping at the top level');
    expect(() => loadSavedConfig(join(workDir, 'missing.json'), [])).toThrow(`file not found (${join(workDir, 'missing.json')})`);
  });
});
