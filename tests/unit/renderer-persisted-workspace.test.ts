import { describe, expect, it } from 'vitest';
import { emptyPersistedWorkspace, parsePersistedWorkspace, serializePersistedWorkspace, type PersistedWorkspace } from '../../renderer/src/persisted-workspace.js';

const saved: PersistedWorkspace = {
  datasets: [
    {
      key: 'file:/data/notes.tsv',
      label: 'notes',
      source: { kind: 'file', path: '/data/notes.tsv', format: 'delimited', mapping: { textColumn: 'text', labelColumn: null, metadataColumns: [], delimiter: '\t' }, name: 'notes' },
      totalSamples: 3,
      labels: [{ label: '(none)', count: 3 }],
    },
  ],
  activeDatasetKey: 'file:/data/notes.tsv',
  promptChoice: { name: 'histopathology', options: { fewShot: false, answerFirst: false, contrarian: true, outputFormat: 'yaml' } },
  promptTarget: 1,
  modelDir: '/models/medgemma',
  experimentDraft: {
    experimentType: 'classification',
    recordAnswers: false,
    generation: { maxNewTokens: '32', doSample: true, temperature: '0.7', topP: '0.9', seed: '' },
    topK: '',
    answerCue: '\n\nFINAL ANSWER:',
    variants: [{ name: 'a', dataset: { kind: 'bundled', name: 'histopathology' }, prompt: { name: 'histopathology', options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' } }, numSamples: 'all', seed: '42' }],
    layers: 'all',
    pooling: 'mean',
    comparisonMode: 'pairwise',
    hook: 'resid_post',
    maxInputTokens: '',
  },
  run: { runId: 'r1', state: 'running', variantName: 'a', variantIndex: 0, variantCount: 1, samplesDone: 3, samplesTotal: 10, samplesPerSecond: 1.5, etaSeconds: 4, message: null, experimentId: '7', queuePosition: null },
  draftRunId: 'r1',
  openResult: { kind: 'experiment', id: '7' },
};

describe('the workspace kept over reloads', () => {
  it('reads back what it wrote', () => {
    expect(parsePersistedWorkspace(serializePersistedWorkspace(saved))).toEqual(saved);
  });

  it('drops another version, broken JSON and nothing stored', () => {
    expect(parsePersistedWorkspace(JSON.stringify({ ...saved, version: 0 }))).toEqual(emptyPersistedWorkspace);
    expect(parsePersistedWorkspace('{not json')).toEqual(emptyPersistedWorkspace);
    expect(parsePersistedWorkspace(null)).toEqual(emptyPersistedWorkspace);
  });

  it('drops only the parts that no longer validate against the contract', () => {
    const stored = JSON.parse(serializePersistedWorkspace(saved)) as Record<string, unknown>;
    stored['datasets'] = [...(stored['datasets'] as unknown[]), { key: 'file:/x', label: 'x', source: { kind: 'ftp', path: '/x' }, totalSamples: 1, labels: [] }];
    stored['experimentDraft'] = { ...(stored['experimentDraft'] as object), pooling: 'max' };
    stored['run'] = { runId: 'r1', state: 'exploded' };
    stored['promptTarget'] = -1;
    const parsed = parsePersistedWorkspace(JSON.stringify(stored));
    expect(parsed.datasets).toEqual(saved.datasets);
    expect(parsed.experimentDraft).toBeNull();
    expect(parsed.run).toBeNull();
    expect(parsed.promptTarget).toBe(0);
    expect(parsed.promptChoice).toEqual(saved.promptChoice);
    expect(parsed.openResult).toEqual(saved.openResult);
  });

  it('forgets an active dataset that is no longer listed', () => {
    const parsed = parsePersistedWorkspace(serializePersistedWorkspace({ ...saved, activeDatasetKey: 'file:/elsewhere.tsv' }));
    expect(parsed.activeDatasetKey).toBeNull();
  });
});
