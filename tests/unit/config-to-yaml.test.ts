import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeConfig } from '../../src/config/compose.js';
import { toYaml } from '../../src/config/to-yaml.js';

const configDir = fileURLToPath(new URL('../fixtures/config/basic', import.meta.url));
const resolved = composeConfig({ configDir, overrides: ['experiment.answer_cue="\\n\\nAnswer:"', 'experiment.variants.1.seed=9'] });

describe('toYaml', () => {
  it('writes every section, list items flush with their key, and parses back to the same config', () => {
    const text = toYaml(resolved);
    expect(text.split('\n')).toEqual(
      expect.arrayContaining([
        'backend:',
        '  device: auto',
        '  answer_cue: "\\n\\nAnswer:"',
        '  variants:',
        '  - name: notes',
        '    dataset:',
        '      name: notes',
        '    seed: 9',
        'seed: 42',
        'dry_run: false',
      ]),
    );
    expect(parse(text)).toEqual(resolved);
  });
});
