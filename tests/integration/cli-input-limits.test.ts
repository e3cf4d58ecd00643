import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const HARE_HEADER = ['ground_truth', '0', '1', '2', '3', 'Scoring 0', 'Scoring 1', 'Scoring 2', 'Scoring 3'].join('\t');

/** A HARE file of three cases whose second case has one report of `longChars` characters. */
function hareWithLongReport(file: string, longChars: number): void {
  const sentence = 'Sections show moderately differentiated carcinoma with focal necrosis. ';
  const long = sentence.repeat(Math.ceil(longChars / sentence.length)).slice(0, longChars);
  const row = (truth: string, report: string) => [truth, report, '', '', '', '2', '', '', ''].join('\t');
  writeFileSync(file, [HARE_HEADER, row('case one', 'Short report one.'), row('case two', long), row('case three', 'Short report three.'), ''].join('\n'));
}

describe('prompts are measured against the model context before any compute', () => {
  let temp: TempDir;
  /** The demo model's tokenizer and config, with a model.onnx that cannot be loaded: reaching the model fails. */
  let unloadableModel: string;
  let dataset: string;

  beforeAll(() => {
    temp = makeTempDir('cli-input-limits');
    unloadableModel = temp.path('model');
    mkdirSync(unloadableModel);
    for (const file of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) {
      copyFileSync(path.join(repoRoot, 'resources', 'demo-model', file), path.join(unloadableModel, file));
    }
    writeFileSync(path.join(unloadableModel, 'model.onnx'), 'not an ONNX graph');
    dataset = temp.path('hare-long.tsv');
    // 200 KB of text: the demo model's context is 4096 tokens.
    hareWithLongReport(dataset, 200_000);
  });

  afterAll(() => temp.remove());

  const run = (...overrides: string[]) =>
    runCli(['run', `model.path=${unloadableModel}`, `experiment.variants.0.dataset.path=${dataset}`, 'experiment.num_samples=null', ...overrides], temp.dir);

  it('refuses a prompt longer than max_position_embeddings, naming the sample and its token count, before the model loads', () => {
    const result = run();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(
      /a prompt is longer than the model's context of 4096 tokens \(max_position_embeddings in .*config\.json\): variant histopathology, sample \d+ \(dataset index 1\): about \d+ tokens\. Nothing was computed; set experiment\.max_input_tokens \(at most 4096\) to truncate them\./,
    );
    expect(result.stderr).not.toMatch(/onnx|protobuf/i);
    const history = runCli(['history', '--json'], temp.dir);
    expect(JSON.parse(history.stdout)).toEqual([]);
  });

  it('with max_input_tokens set the long prompt is truncated and the run goes on to load the model', () => {
    const result = run('experiment.max_input_tokens=512');
    expect(result.status).not.toBe(0);
    expect(result.stderr).not.toMatch(/longer than the model's context/);
    expect(result.stderr).toMatch(/model\.onnx/);
  });

  it('refuses a max_input_tokens beyond the context for prompts that would pass it', () => {
    const result = run('experiment.max_input_tokens=100000');
    expect(result.stderr).toMatch(/: \d+ tokens\. Nothing was computed; experiment\.max_input_tokens = 100000 is more than the context; set it to at most 4096\./);
  });
});
