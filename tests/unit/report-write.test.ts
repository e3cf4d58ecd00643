import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ReportWriteError, writeReportFiles } from '../../src/report/write-report.js';
import { reportInput } from '../fixtures/report/report-input.js';

describe('writeReportFiles', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'report-write-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates the folder and writes config.json, results.json and EXPERIMENT.md', async () => {
    const dir = path.join(root, 'outputs', '2026-01-24', 'run');
    const input = reportInput();
    const paths = await writeReportFiles(dir, input);

    expect(paths).toEqual({
      configJson: path.join(dir, 'config.json'),
      resultsJson: path.join(dir, 'results.json'),
      experimentMd: path.join(dir, 'EXPERIMENT.md'),
    });
    expect(await readFile(paths.configJson, 'utf8')).toBe(`${JSON.stringify(input.config, null, 2)}\n`);

    const results = JSON.parse(await readFile(paths.resultsJson, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(results).slice(0, 10)).toEqual([
      'metadata', 'experiment', 'model', 'prompt_strategy', 'metrics', 'raw_outputs', 'num_samples', 'samples',
      'end_time', 'duration_seconds',
    ]);
    expect(results.metadata).toEqual({ config: input.config, start_time: '2026-01-24T11:12:31.250000' });

    const markdown = await readFile(paths.experimentMd, 'utf8');
    expect(markdown).toContain(`npx cotlab-wb run --config ${path.join(dir, 'config.json')}\n`);
  });

  it('overwrites an earlier report in place (start, then completion)', async () => {
    await writeReportFiles(root, reportInput({ status: 'Running' }));
    await writeReportFiles(root, reportInput());
    expect(await readFile(path.join(root, 'EXPERIMENT.md'), 'utf8')).toContain('**Status:** Completed');
  });

  it('reports a folder that cannot be created with its path', async () => {
    const blocker = path.join(root, 'not-a-folder');
    await writeFile(blocker, 'x');
    const attempt = writeReportFiles(path.join(blocker, 'run'), reportInput());
    await expect(attempt).rejects.toThrow(ReportWriteError);
    await expect(attempt).rejects.toThrow(`Could not write the report file ${path.join(blocker, 'run')}`);
  });
});
