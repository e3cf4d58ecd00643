import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeConfig } from '../../src/config/compose.js';
import { planRuns, type PlannedRun } from '../../src/experiments/plan.js';
import { plannedInputs, refuseTooLongInputs } from '../../src/experiments/input-check.js';
import { inspectModelDir, type ModelDirectory } from '../../src/model/model-dir.js';
import { loadPromptTokenizer, type PromptTokenizer } from '../../src/model/tokenizer.js';
import { repoRoot } from '../helpers/cli.js';

/** The demo tokenizer, counting the prompts it is asked to tokenize. */
function countingTokenizer(modelDir: ModelDirectory): { tokenizer: PromptTokenizer; calls: () => number } {
  const real = loadPromptTokenizer(modelDir.tokenizerPath, modelDir.tokenizerConfigPath);
  let calls = 0;
  const tokenizer: PromptTokenizer = {
    ...real,
    encodeTruncated: (text, max) => {
      calls += 1;
      return real.encodeTruncated(text, max);
    },
    countTokens: (text, limit) => {
      calls += 1;
      return real.countTokens(text, limit);
    },
  };
  return { tokenizer, calls: () => calls };
}

/** The demo model with the context its config.json states replaced by `context`. */
function withContext(modelDir: ModelDirectory, context: number): ModelDirectory {
  return { ...modelDir, config: { ...modelDir.config, maxPositionEmbeddings: context } };
}

describe('the context check before a run', async () => {
  const config = composeConfig({ configDir: path.join(repoRoot, 'configs'), overrides: ['experiment.num_samples=4'] });
  const runs: PlannedRun[] = await planRuns(config, { dataRoot: repoRoot, configDir: path.join(repoRoot, 'configs') });
  const modelDir = inspectModelDir(path.join(repoRoot, 'resources/demo-model'));
  const prompts = runs.reduce((sum, run) => sum + run.sampleIndices.length, 0);

  it('tokenizes only the prompts whose length could exceed the context', () => {
    const roomy = countingTokenizer(modelDir);
    refuseTooLongInputs(runs, config.experiment, roomy.tokenizer, withContext(modelDir, 1_000_000));
    // The special tokens are counted once; no prompt is tokenized.
    expect(roomy.calls()).toBe(1);

    const tight = countingTokenizer(modelDir);
    expect(() => refuseTooLongInputs(runs, config.experiment, tight.tokenizer, withContext(modelDir, 8))).toThrow(
      /longer than the model's context of 8 tokens/,
    );
    expect(tight.calls()).toBe(1 + prompts);
  });

  it('refuses exactly what measuring every prompt refuses', () => {
    const { tokenizer } = countingTokenizer(modelDir);
    const longest = Math.max(...plannedInputs(runs, config.experiment, tokenizer, modelDir).flat().map((input) => input.tokens));
    expect(() => refuseTooLongInputs(runs, config.experiment, tokenizer, withContext(modelDir, longest))).not.toThrow();
    expect(() => refuseTooLongInputs(runs, config.experiment, tokenizer, withContext(modelDir, longest - 1))).toThrow(/1 of|a prompt is longer/);
    expect(() => plannedInputs(runs, config.experiment, tokenizer, withContext(modelDir, longest - 1))).toThrow(/a prompt is longer|prompts are longer/);
  });
});
