import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel } from '../../scripts/demo-model/index.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

interface Activations {
  layers: number[];
  pooling: string;
  tokens: number;
  vectors: number[][];
}

describe('cotlab-wb activations', () => {
  let temp: TempDir;
  let scratch: string;
  let modelDir: string;

  beforeAll(() => {
    temp = makeTempDir('cli-activations');
    scratch = temp.dir;
    modelDir = path.join(scratch, 'model');
    buildDemoModel(modelDir, { numHiddenLayers: 3, hiddenSize: 32, numAttentionHeads: 2, numKeyValueHeads: 1 });
  });

  afterAll(() => temp.remove());

  it('prints one pooled vector per layer for a text', () => {
    const result = runCli(['activations', '--model', modelDir, '--text', 'Fracture through a unicameral bone cyst.', '--pooling', 'last_token'], scratch);
    expect(result.status).toBe(0);
    const parsed = JSON.parse(result.stdout) as Activations;
    expect(parsed.layers).toEqual([0, 1, 2]);
    expect(parsed.pooling).toBe('last_token');
    expect(parsed.tokens).toBeGreaterThan(1);
    expect(parsed.vectors).toHaveLength(3);
    for (const vector of parsed.vectors) expect(vector).toHaveLength(32);
  });

  it('loads the model once for a file of prompts and prints an array, the same vectors as one by one', () => {
    const file = path.join(scratch, 'prompts.txt');
    writeFileSync(file, 'Buckle fracture of the distal radius.\n\nNo acute osseous abnormality.\n');
    const batch = runCli(['activations', '--model', modelDir, '--text-file', file], scratch);
    expect(batch.status).toBe(0);
    const parsed = JSON.parse(batch.stdout) as Activations[];
    expect(parsed).toHaveLength(2);
    const single = JSON.parse(runCli(['activations', '--model', modelDir, '--text', 'No acute osseous abnormality.'], scratch).stdout) as Activations;
    expect(parsed[1]!.vectors).toEqual(single.vectors);
  });
});
