import { describe, expect, it } from 'vitest';
import type { PromptStrategyInfo } from '../../src/contract/index.js';
import { draftToRequest, initialDraft } from '../../renderer/src/experiment-draft.js';
import type { OpenDataset } from '../../renderer/src/workspace.js';

const datasets: OpenDataset[] = [
  { key: 'bundled:histopathology', label: 'histopathology', source: { kind: 'bundled', name: 'histopathology' }, totalSamples: 78 },
  { key: 'bundled:radiology', label: 'radiology', source: { kind: 'bundled', name: 'radiology' }, totalSamples: 60 },
];
const defaults = { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' as const };
const prompts: PromptStrategyInfo[] = [
  { name: 'radiology', description: null, defaults, outputFormats: ['json'] },
  { name: 'histopathology', description: null, defaults: { ...defaults, fewShot: false }, outputFormats: ['json'] },
];

describe('experiment draft', () => {
  it('starts with one variant per dataset, each with its same-named prompt', () => {
    const draft = initialDraft(datasets, prompts);
    expect(draft.variants.map((variant) => [variant.name, variant.prompt.name, variant.prompt.options.fewShot])).toEqual([
      ['histopathology', 'histopathology', false],
      ['radiology', 'radiology', true],
    ]);
  });

  it('becomes a contract request with numbers parsed', () => {
    const draft = { ...initialDraft(datasets, prompts), layers: '0-2', maxInputTokens: '512' };
    draft.variants = draft.variants.map((variant, i) => ({ ...variant, numSamples: i === 0 ? '4' : 'all' }));
    const request = draftToRequest(draft, datasets, null);
    expect(request.layers).toEqual([0, 1, 2]);
    expect(request.maxInputTokens).toBe(512);
    expect(request.variants.map((variant) => [variant.numSamples, variant.seed, variant.dataset])).toEqual([
      [4, 42, { kind: 'bundled', name: 'histopathology' }],
      [null, 42, { kind: 'bundled', name: 'radiology' }],
    ]);
  });

  it('takes a negative seed, as CPython does', () => {
    const draft = initialDraft(datasets, prompts);
    draft.variants = draft.variants.map((variant) => ({ ...variant, seed: ' -5 ' }));
    expect(draftToRequest(draft, datasets, null).variants.map((variant) => variant.seed)).toEqual([-5, -5]);
  });

  it('says which field is not a number', () => {
    const draft = initialDraft(datasets, prompts);
    draft.variants = draft.variants.map((variant) => ({ ...variant, seed: 'forty' }));
    expect(() => draftToRequest(draft, datasets, null)).toThrow('Seed of "histopathology" must be a whole number, not "forty".');
  });
});
