import path from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { modelFacts, plannedExecutionProvider } from '../../src/services/model-facts.js';

describe('the execution provider a run will try', () => {
  it('follows the backend device and whether the CUDA provider files are installed', () => {
    expect(plannedExecutionProvider('cpu', true).executionProvider).toBe('cpu');
    expect(plannedExecutionProvider('auto', true).executionProvider).toBe('cuda');
    expect(plannedExecutionProvider('auto', false)).toEqual({
      executionProvider: 'cpu',
      executionProviderNote: 'CUDA provider files are not installed (run npm run install-cuda on a GPU workstation); runs use the CPU.',
    });
    expect(plannedExecutionProvider('cuda', false).executionProviderNote).toMatch(/^CUDA is requested but/);
  });
});

describe('model facts for the Model screen', () => {
  it('reports a folder the engine cannot read as not usable, with the reason', () => {
    const dir = path.join(tmpdir(), 'cotlab-no-such-model-folder');
    const facts = modelFacts(dir, 'cpu', null);
    expect(facts.ok).toBe(false);
    expect(facts.numLayers).toBeNull();
    expect(facts.hookTensors).toEqual([]);
    expect(facts.problems).toHaveLength(1);
    expect(facts.problems[0]).toContain(dir);
  });
});
