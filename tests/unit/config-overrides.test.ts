import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { formatOverrideValue, parseOverride, parseOverrideValue, setAtPath } from '../../src/config/overrides.js';
import { closestMatch, editDistance } from '../../src/config/suggest.js';

describe('parseOverrideValue', () => {
  it('types scalars by YAML rules', () => {
    expect(parseOverrideValue('7')).toBe(7);
    expect(parseOverrideValue('-3')).toBe(-3);
    expect(parseOverrideValue('0.25')).toBe(0.25);
    expect(parseOverrideValue('1e3')).toBe(1000);
    expect(parseOverrideValue('true')).toBe(true);
    expect(parseOverrideValue('false')).toBe(false);
    expect(parseOverrideValue('null')).toBeNull();
    expect(parseOverrideValue('~')).toBeNull();
    expect(parseOverrideValue('last_token')).toBe('last_token');
    expect(parseOverrideValue('/x/y.tsv')).toBe('/x/y.tsv');
  });

  it('keeps quoted text as text and decodes escapes', () => {
    expect(parseOverrideValue('"42"')).toBe('42');
    expect(parseOverrideValue("'true'")).toBe('true');
    expect(parseOverrideValue('"\\n\\nAnswer:"')).toBe('\n\nAnswer:');
  });

  it('reads flow lists and mappings', () => {
    expect(parseOverrideValue('[0,1,2]')).toEqual([0, 1, 2]);
    expect(parseOverrideValue('[]')).toEqual([]);
    expect(parseOverrideValue('{name: a, seed: 3}')).toEqual({ name: 'a', seed: 3 });
  });

  it('keeps free text that YAML would read as a block collection, and the empty value, as text', () => {
    expect(parseOverrideValue('Answer: yes')).toBe('Answer: yes');
    expect(parseOverrideValue('- item')).toBe('- item');
    expect(parseOverrideValue('')).toBe('');
  });

  it('rejects malformed flow collections and quotes', () => {
    expect(() => parseOverrideValue('[0,1', 'experiment.layers=[0,1')).toThrow(ConfigError);
    expect(() => parseOverrideValue('"open')).toThrow(/^malformed value '"open'/);
  });
});

describe('formatOverrideValue', () => {
  it('writes plain values plainly and quotes text that would read back as something else', () => {
    expect(formatOverrideValue(7)).toBe('7');
    expect(formatOverrideValue(0.5)).toBe('0.5');
    expect(formatOverrideValue(true)).toBe('true');
    expect(formatOverrideValue(null)).toBe('null');
    expect(formatOverrideValue('radiology')).toBe('radiology');
    expect(formatOverrideValue('/data/my file.tsv')).toBe('/data/my file.tsv');
    expect(formatOverrideValue('42')).toBe('"42"');
    expect(formatOverrideValue('null')).toBe('"null"');
    expect(formatOverrideValue('')).toBe('""');
    expect(formatOverrideValue('\n\nAnswer:')).toBe('"\\n\\nAnswer:"');
    expect(formatOverrideValue([0, 2, 4])).toBe('[0,2,4]');
    expect(formatOverrideValue({ name: 'a', dataset: 'base', seed: null })).toBe('{name: a, dataset: base, seed: null}');
    expect(formatOverrideValue(['a,b', 'c'])).toBe('["a,b",c]');
  });

  it('round-trips through parseOverrideValue', () => {
    const values: unknown[] = [
      0,
      -12,
      3.75,
      1e21,
      true,
      null,
      'plain',
      'two words',
      'true',
      '1e3',
      '.inf',
      '-',
      'a: b',
      '# not a comment',
      '[not a list]',
      'tab\there',
      'quote " and \\ backslash',
      'ünïcödé',
      [],
      ['x', 'y z', '3', 'a,b', '{b}'],
      [[1, 2], [3]],
      { 'odd key': 1, normal: [true, false], nested: { deep: 'v:1' } },
      [{ name: 'h', dataset: { name: 'd', path: '/a/b.tsv', metadata_columns: [] }, seed: null }],
    ];
    for (const value of values) expect(parseOverrideValue(formatOverrideValue(value)), JSON.stringify(value)).toEqual(value);
  });
});

describe('parseOverride', () => {
  it('splits at the first = and types the value', () => {
    expect(parseOverride('experiment.answer_cue=a=b')).toMatchObject({
      key: 'experiment.answer_cue',
      segments: ['experiment', 'answer_cue'],
      rawValue: 'a=b',
      value: 'a=b',
    });
    expect(parseOverride('experiment.variants.1.seed=7')).toMatchObject({ segments: ['experiment', 'variants', '1', 'seed'], value: 7 });
  });

  it('rejects Hydra add/delete prefixes and malformed keys', () => {
    expect(() => parseOverride('~experiment.seed')).toThrow(
      "adding (+) or deleting (~) keys is not supported; every setting already exists (override '~experiment.seed')",
    );
    expect(() => parseOverride('experiment.')).toThrow(/^malformed override/);
    expect(() => parseOverride('1abc=2')).toThrow(/^malformed override/);
  });
});

describe('setAtPath', () => {
  const tree = () => ({ experiment: { layers: [0, 1], variants: [{ name: 'a' }] } });

  it('sets mapping keys and list items in place', () => {
    const root = tree();
    setAtPath(root, parseOverride('experiment.layers.1=5'));
    setAtPath(root, parseOverride('experiment.variants.0.name=b'));
    expect(root).toEqual({ experiment: { layers: [0, 5], variants: [{ name: 'b' }] } });
  });

  it('names the list in range errors, singular for one item', () => {
    expect(() => setAtPath(tree(), parseOverride('experiment.variants.1.name=x'))).toThrow(
      "experiment.variants.1: index out of range (1 variant) (override 'experiment.variants.1.name=x')",
    );
    expect(() => setAtPath(tree(), parseOverride('experiment.layers.2=1'))).toThrow('experiment.layers.2: index out of range (2 layers)');
  });

  it('refuses to step into a scalar', () => {
    expect(() => setAtPath(tree(), parseOverride('experiment.variants.0.name.first=x'))).toThrow(
      "experiment.variants.0.name.first: experiment.variants.0.name is the text 'a', not a mapping or list; set experiment.variants.0.name as a whole instead",
    );
  });
});

describe('suggestions', () => {
  it('computes edit distances', () => {
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('poolin', 'pooling')).toBe(1);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests only plausible typos', () => {
    expect(closestMatch('poolin', ['pooling', 'layers', 'seed'])).toBe('pooling');
    expect(closestMatch('Seed', ['pooling', 'seed'])).toBe('seed');
    expect(closestMatch('comparisonmode', ['comparison_mode', 'hook'])).toBe('comparison_mode');
    expect(closestMatch('zzz', ['pooling', 'layers'])).toBeNull();
    expect(closestMatch('x', [])).toBeNull();
  });
});
