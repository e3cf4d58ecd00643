import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The no-restricted-imports messages ESLint reports for `source` as if it were the file `file`. */
async function layerErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

/** One upward import per layer: each must fail the lint. */
const UPWARD: ReadonlyArray<[file: string, specifier: string]> = [
  ['src/contract/x.ts', '../results/findings.js'],
  ['src/contract/x.ts', 'node:fs'],
  ['src/results/x.ts', '../analytics/divergence.js'],
  ['src/datasets/x.ts', '../config/schemas.js'],
  ['src/model/x.ts', '../experiments/run-job.js'],
  ['src/model/export-styles/x.ts', '../../store/history-store.js'],
  ['src/analytics/x.ts', '../experiments/analyse.js'],
  ['src/config/x.ts', '../prompts/strategy.js'],
  ['src/prompts/x.ts', '../model/tokenizer.js'],
  ['src/store/x.ts', '../experiments/run-job.js'],
  ['src/report/x.ts', '../experiments/metrics.js'],
  ['src/report/x.ts', '../store/history-store.js'],
  ['src/experiments/x.ts', '../services/engine-service.js'],
  ['src/services/x.ts', '../host/engine-supervisor.js'],
  ['src/host/x.ts', '../serve/http.js'],
  ['src/serve/x.ts', '../cli/main.js'],
  ['src/cli/x.ts', '../host/engine-worker.js'],
  ['src/experiments/x.ts', 'electron'],
  ['main/x.ts', '../src/services/engine-service.js'],
  ['main/x.ts', '../src/store/default-db-path.js'],
  ['renderer/src/x.ts', '../../src/services/result-view.js'],
  ['renderer/src/screens/x.tsx', '../../../src/results/findings.js'],
];

/** Imports the layering allows. */
const ALLOWED: ReadonlyArray<[file: string, specifier: string]> = [
  ['src/contract/x.ts', './primitives.js'],
  ['src/contract/x.ts', 'zod'],
  ['src/analytics/x.ts', '../results/findings.js'],
  ['src/store/x.ts', '../results/findings.js'],
  ['src/experiments/x.ts', '../store/history-store.js'],
  ['src/model/export-styles/x.ts', '../graph-index.js'],
  ['src/services/x.ts', '../contract/index.js'],
  ['src/host/x.ts', '../services/engine-service.js'],
  ['main/x.ts', '../src/host/dispatch.js'],
  ['main/x.ts', '../src/contract/index.js'],
  ['renderer/src/x.ts', '../../src/contract/index.js'],
];

describe('layer rules (eslint.config.js)', () => {
  it.each(UPWARD)('%s may not import %s', async (file, specifier) => {
    expect(await layerErrors(file, `import '${specifier}';\n`)).not.toEqual([]);
  });

  it.each(ALLOWED)('%s may import %s', async (file, specifier) => {
    expect(await layerErrors(file, `import '${specifier}';\n`)).toEqual([]);
  });
});
