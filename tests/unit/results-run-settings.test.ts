import { describe, expect, it } from 'vitest';
import {
  describeEntries,
  differingSettings,
  distinguishingEntries,
  nameWithDifferences,
  namesakeDifferences,
  settingEntries,
  type RunSettings,
} from '../../src/results/run-settings.js';

const base: RunSettings = {
  dataset: 'histopathology',
  datasetFile: 'histopathology.tsv',
  prompt: 'histopathology',
  promptStrategy: 'histopathology',
  outputFormat: 'json',
  fewShot: true,
  answerFirst: false,
  contrarian: false,
  samples: 20,
  seed: 42,
  pooling: 'mean',
  hook: 'resid_post',
  layers: [0, 1, 2, 3, 5],
  model: 'demo',
  maxInputTokens: null,
};

describe('run settings', () => {
  it('lists every setting in a fixed order, as text', () => {
    const entries = settingEntries(base);
    expect(entries.map((entry) => entry.key)).toEqual([
      'dataset', 'datasetFile', 'prompt', 'promptStrategy', 'outputFormat', 'fewShot', 'answerFirst', 'contrarian',
      'samples', 'seed', 'pooling', 'hook', 'layers', 'model', 'maxInputTokens',
    ]);
    const value = (key: string) => entries.find((entry) => entry.key === key)?.value;
    expect(value('fewShot')).toBe('yes');
    expect(value('answerFirst')).toBe('no');
    expect(value('layers')).toBe('0-3, 5');
    expect(value('maxInputTokens')).toBe('no limit');
    expect(settingEntries({ ...base, seed: 2n ** 70n, outputFormat: null }).find((entry) => entry.key === 'seed')?.value).toBe('1180591620717411303424');
    expect(settingEntries({ ...base, outputFormat: null }).find((entry) => entry.key === 'outputFormat')?.value).toBe('not recorded');
  });

  it('finds only the settings that differ: two runs differing in output format are told apart by it alone', () => {
    const plain = { ...base, outputFormat: 'plain' };
    expect(differingSettings([base, plain])).toEqual(['outputFormat']);
    expect(distinguishingEntries([base, plain])).toEqual([
      [{ key: 'outputFormat', label: 'output format', value: 'json' }],
      [{ key: 'outputFormat', label: 'output format', value: 'plain' }],
    ]);
    expect(describeEntries(distinguishingEntries([base, plain])[1] ?? [])).toBe('output format plain');
  });

  it('finds nothing for one run or for identical runs, and every difference for many runs', () => {
    expect(differingSettings([base])).toEqual([]);
    expect(differingSettings([base, { ...base }])).toEqual([]);
    const other = { ...base, dataset: 'radiology', datasetFile: 'radiology.json', fewShot: false, seed: 7 };
    expect(differingSettings([base, { ...base }, other])).toEqual(['dataset', 'datasetFile', 'fewShot', 'seed']);
    // Layer lists are compared as lists, not by their first element.
    expect(differingSettings([base, { ...base, layers: [0, 1, 2, 3, 4] }])).toEqual(['layers']);
  });

  it('names the differences of namesakes only, among namesakes only', () => {
    const runs = [
      { name: 'histopathology', settings: base },
      { name: 'radiology', settings: { ...base, dataset: 'radiology' } },
      { name: 'histopathology', settings: { ...base, outputFormat: 'plain', seed: 7 } },
      { name: 'twin', settings: base },
      { name: 'twin', settings: base },
    ];
    const phrases = namesakeDifferences(runs);
    expect(phrases).toEqual(['output format json, seed 42', null, 'output format plain, seed 7', null, null]);
    expect(nameWithDifferences('histopathology', phrases[2] ?? null)).toBe('histopathology (output format plain, seed 7)');
    expect(nameWithDifferences('radiology', null)).toBe('radiology');
  });
});
