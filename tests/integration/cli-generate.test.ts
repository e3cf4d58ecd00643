import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModelHost } from '../../src/model/model-host.js';
import { runCli } from '../helpers/cli.js';
import { cpuHostOptions } from '../helpers/host-options.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const DEMO = path.resolve('resources/demo-model');
const TEXT = 'Impression: fracture';

describe('cotlab-wb generate', () => {
  let temp: TempDir;
  beforeAll(() => {
    temp = makeTempDir('cli-generate');
  });
  afterAll(() => temp.remove());

  it('prints the greedy completion and its token count, as the model host generates it', async () => {
    const result = runCli(['generate', '--model', DEMO, '--text', TEXT, '--max-new-tokens', '7', '--device', 'cpu'], temp.dir);
    expect(result.status).toBe(0);
    const host = await openModelHost(cpuHostOptions(DEMO, temp.dir, { layers: [], generation: true }));
    const [expected] = await host.generate([{ text: TEXT }], { maxInputTokens: null, maxNewTokens: 7, sampling: null, stopStrings: [] });
    await host.dispose();
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).join('\n')).toBe(expected!.text);
    expect(lines.at(-1)).toBe(`[7 tokens generated; prompt ${expected!.tokenCount} tokens; stopped by max new tokens]`);
    const json = runCli(['generate', '--model', DEMO, '--text', TEXT, '--max-new-tokens', '7', '--device', 'cpu', '--json'], temp.dir);
    expect(JSON.parse(json.stdout)).toEqual({ text: expected!.text, tokens: 7, token_ids: expected!.tokenIds, prompt_tokens: expected!.tokenCount, stop_reason: 'max_new_tokens' });
  });

  it('refuses a bad --max-new-tokens with one line', () => {
    const result = runCli(['generate', '--model', DEMO, '--text', TEXT, '--max-new-tokens', '0'], temp.dir);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/--max-new-tokens must be a positive integer/);
  });
});
