import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** Bad input must end the CLI with a non-zero code and one clear line: no stack trace unless --verbose. */
function expectOneLineError(result: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.status).not.toBe(0);
  const errorLines = result.stderr.split('\n').filter((line) => line.startsWith('cotlab-wb: error:'));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('cotlab-wb on bad input', () => {
  let temp: TempDir;
  let scratch: string;

  beforeAll(() => {
    temp = makeTempDir('cli-errors');
    scratch = temp.dir;
  });

  afterAll(() => temp.remove());

  it('rejects an unknown override key, naming it', () => {
    expectOneLineError(runCli(['run', 'experiment.poolin=mean'], scratch), /experiment\.poolin.*pooling/);
  });

  it('rejects a value of the wrong type, naming the key', () => {
    expectOneLineError(runCli(['run', 'experiment.num_samples=many'], scratch), /experiment\.num_samples/);
  });

  it('refuses a seed that is not a whole number before loading any model', () => {
    // The model folder does not exist: reaching the model would fail with a model error instead.
    const model = `model.path=${path.join(scratch, 'no-model-here')}`;
    expectOneLineError(runCli(['run', model, 'experiment.seed=1.5'], scratch), /experiment\.seed.*a seed must be a whole number.*got 1\.5/);
    expectOneLineError(runCli(['run', model, 'experiment.variants.1.seed=seven'], scratch), /experiment\.variants\.1\.seed.*got the text 'seven'/);
  });

  it('refuses an empty layer list and layers the model lacks before any compute', () => {
    expectOneLineError(runCli(['run', 'experiment.layers=[]'], scratch), /experiment\.layers: list at least one layer/);
    expectOneLineError(runCli(['run', 'experiment.layers=[0,99]'], scratch), /layer 99 does not exist; this model has layers 0 to 5/);
  });

  it('names a missing dataset file', () => {
    const missing = path.join(scratch, 'nowhere.tsv');
    expectOneLineError(runCli(['run', `experiment.variants.0.dataset.path=${missing}`], scratch), new RegExp(`${missing}.*`));
  });

  it('names an empty dataset file', () => {
    const empty = path.join(scratch, 'empty.tsv');
    writeFileSync(empty, '');
    expectOneLineError(runCli(['run', `experiment.variants.0.dataset.path=${empty}`], scratch), /empty/i);
  });

  it('names the missing columns of a TSV that is not a HARE file', () => {
    const wrong = path.join(scratch, 'wrong.tsv');
    writeFileSync(wrong, 'text\tlabel\nsome report\t1\n');
    expectOneLineError(runCli(['run', `experiment.variants.0.dataset.path=${wrong}`], scratch), /ground_truth/);
  });

  it('names the line of a broken quote', () => {
    const broken = path.join(scratch, 'broken.tsv');
    writeFileSync(broken, 'ground_truth\t0\t1\t2\t3\tScoring 0\tScoring 1\tScoring 2\tScoring 3\n"case\treport\t\t\t\t1\t\t\t\n');
    expectOneLineError(runCli(['run', `experiment.variants.0.dataset.path=${broken}`], scratch), /line \d+/);
  });

  it('says what a model directory lacks', () => {
    const modelDir = path.join(scratch, 'empty-model');
    mkdirSync(modelDir);
    writeFileSync(path.join(modelDir, 'config.json'), '{}');
    expectOneLineError(runCli(['run', `model.path=${modelDir}`], scratch), /model\.onnx.*tokenizer\.json|tokenizer\.json.*model\.onnx/);
  });

  it('prints a stack trace only with --verbose', () => {
    const result = runCli(['--verbose', 'run', 'experiment.poolin=mean'], scratch);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('refuses activations without a text', () => {
    expectOneLineError(runCli(['activations', '--model', scratch], scratch), /--text/);
  });
});
