import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRequest, OutputFormat, ProgressEvent } from '../../src/contract/index.js';
import { enginePids } from './engine-processes.js';
import { LEGEND_OVER_TITLE, OVERFLOW, openWorkbench, snap, type Workbench } from './workbench-harness.js';

/** Two runs of one bundled dataset each (or of histopathology twice), under its own prompt with the given output format. */
function variant(name: string, dataset: string, outputFormat: OutputFormat, numSamples: number | null) {
  return {
    name,
    dataset: { kind: 'bundled' as const, name: dataset },
    prompt: { name: dataset, options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat } },
    numSamples,
    seed: 42,
  };
}

function experiment(variants: ExperimentRequest['variants']): ExperimentRequest {
  return { modelDir: null, variants, layers: null, pooling: 'mean', comparisonMode: 'pairwise', hook: 'resid_post', maxInputTokens: null };
}

describe('reading results: runs that identify themselves, notes and tags, compare, live results, exports', () => {
  let workbench: Workbench;
  const consoleErrors: string[] = [];

  const call = async <T = Record<string, unknown>>(method: string, body: unknown = {}): Promise<T> => {
    const { server } = workbench;
    const token = new URL(server.url).searchParams.get('token') ?? '';
    const response = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cotlab-token': token },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method}: ${JSON.stringify(json)}`);
    return json;
  };

  const status = (runId: string) => call<ProgressEvent>('experimentStatus', { runId });

  /** Starts an experiment through the API and waits (for its state) until it has completed; returns its id. */
  const runToCompletion = async (request: ExperimentRequest): Promise<string> => {
    const { runId } = await call<{ runId: string }>('startExperiment', request);
    await expect.poll(async () => (await status(runId)).state, { timeout: 170_000, interval: 250 }).toBe('completed');
    return (await status(runId)).experimentId as string;
  };

  const page = (): Page => workbench.page;
  const nav = (name: string) => page().getByRole('navigation').getByRole('button', { name, exact: true }).click();
  const historyRow = (id: string) => page().getByTestId('history-grid').locator('tbody tr').filter({ has: page().getByRole('button', { name: `Open experiment ${id}`, exact: true }) });

  const download = async (click: () => Promise<void>): Promise<string> => {
    const [file] = await Promise.all([page().waitForEvent('download'), click()]);
    return readFileSync((await file.path()) as string, 'utf8');
  };

  const openExperiment = async (id: string) => {
    await nav('History');
    await page().getByRole('button', { name: `Open experiment ${id}`, exact: true }).click();
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 30_000 }).toContain(`Experiment ${id} `);
  };

  beforeAll(async () => {
    workbench = await openWorkbench();
    page().on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page().on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await workbench?.close();
  });

  it('runs three experiments started through the API with explicit prompt options', async () => {
    // Experiments 1 and 2 differ only in the output format; 3 holds two runs that differ only in it.
    expect(await runToCompletion(experiment([variant('histopathology', 'histopathology', 'json', 3), variant('radiology', 'radiology', 'json', 3)]))).toBe('1');
    expect(await runToCompletion(experiment([variant('histopathology', 'histopathology', 'plain', 3), variant('radiology', 'radiology', 'plain', 3)]))).toBe('2');
    expect(
      await runToCompletion(experiment([variant('histopathology', 'histopathology', 'json', 3), variant('histopathology_plain', 'histopathology', 'plain', 3)])),
    ).toBe('3');
    await page().goto(workbench.server.url);
  });

  it('History tells runs of the same name apart, offers only the statuses that occur, and shows the headline numbers', async () => {
    await nav('History');
    const grid = page().getByTestId('history-grid');
    await expect.poll(() => grid.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    expect(await historyRow('1').locator('.run-chip').allTextContents()).toEqual(['histopathology (output format json)', 'radiology (output format json)']);
    expect(await historyRow('2').locator('.run-chip').allTextContents()).toEqual(['histopathology (output format plain)', 'radiology (output format plain)']);
    await page().getByText('Columns', { exact: true }).click();
    await page().getByRole('checkbox', { name: 'Output format', exact: true }).check();
    await page().getByText('Columns', { exact: true }).click();
    const headers = await grid.locator('thead th').allTextContents();
    const cell = async (id: string, header: string) => historyRow(id).locator('td').nth(headers.findIndex((text) => text.startsWith(header))).textContent();
    expect([await cell('1', 'Output format'), await cell('2', 'Output format'), await cell('3', 'Output format')]).toEqual(['json', 'plain', 'json / plain']);
    expect(await cell('1', 'Lowest cosine')).toMatch(/^L\d -?\d\.\d{4}$/);
    expect(await cell('1', 'Beyond chance')).toMatch(/^\d+ of 6$/);
    expect(await page().getByLabel('Status').locator('option').allTextContents()).toEqual(['any', 'completed (3)']);
    // Search reaches settings: only experiment 2 ran with plain output alone, 3 has a plain run too.
    await page().getByLabel('Search settings, files, notes and tags').fill('"plain"');
    await expect.poll(() => grid.locator('tbody tr').count(), { timeout: 10_000 }).toBe(2);
    await page().getByLabel('Search settings, files, notes and tags').fill('');
    await expect.poll(() => grid.locator('tbody tr').count(), { timeout: 10_000 }).toBe(3);
    // Columns can be chosen: the seed column comes and goes.
    await page().getByText('Columns', { exact: true }).click();
    await page().getByRole('checkbox', { name: 'Seed', exact: true }).check();
    await expect.poll(() => grid.locator('thead th').allTextContents()).toContain('Seed↕');
    await page().getByRole('checkbox', { name: 'Seed', exact: true }).uncheck();
    await page().getByText('Columns', { exact: true }).click();
  });

  it('Results show every run’s settings, the difference first, and every analytics value', async () => {
    await openExperiment('3');
    const settings = page().getByTestId('run-settings');
    expect(await settings.getByTestId('runs-set-apart').textContent()).toBe('What tells the runs apart: output format.');
    expect(await settings.locator('tbody tr[data-setting]').count()).toBe(1);
    expect(await settings.locator('tr[data-setting="outputFormat"]').textContent()).toBe('output formatjsonplain');
    await settings.getByLabel('Differences only').uncheck();
    expect(await settings.locator('tr[data-setting="datasetFile"]').textContent()).toBe('filehistopathology.tsvhistopathology.tsv');
    const table = page().getByTestId('layer-table');
    expect(await table.locator('thead').textContent()).toContain('Relative L2');
    expect(await table.locator('thead').textContent()).toContain('d (held-out)');
    expect(await table.locator('tbody tr').first().textContent()).toMatch(/floor \d+\.\d\d/);

    await page().locator('[data-testid="plot-projection"] .main-svg').first().waitFor();
    expect(await page().getByTestId('direction-facts').textContent()).toMatch(/held-out/);
    expect(await page().getByTestId('label-groups').locator('tbody tr').count()).toBeGreaterThan(1);
    await page().getByLabel('Colour the PCA points by').selectOption('label');
    await expect
      .poll(() => page().getByTestId('plot-pca').evaluate((element) => (element as unknown as { data: { name: string }[] }).data.map((trace) => trace.name)))
      .toEqual(expect.arrayContaining([expect.stringMatching(/^label /)]));
    // Clicking a point shows that sample's text and label.
    const point = page().locator('[data-testid="plot-pca"] .scatterlayer .point').first();
    await point.scrollIntoViewIfNeeded();
    const box = await point.boundingBox();
    expect(box).not.toBeNull();
    // Plotly reports a click on the point it hovers: hover first, then click there.
    await page().mouse.move((box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + (box?.height ?? 0) / 2);
    await page().locator('[data-testid="plot-pca"] .hoverlayer .hovertext').first().waitFor({ timeout: 10_000 });
    await page().mouse.down();
    await page().mouse.up();
    await expect.poll(() => page().getByTestId('picked-sample-text').textContent(), { timeout: 30_000 }).toMatch(/\S+\s+\S+\s+\S+/);
    expect(await page().getByTestId('picked-sample').locator('h3').textContent()).toMatch(/dataset index \d+, label \S+/);
    await snap(page(), 'reading-results-paired-1280');
  });

  it('EXPERIMENT.md, the HTML report and the CSV tell the two runs apart; the .npy export downloads as one tar', async () => {
    await nav('Export');
    const markdown = await download(() => page().getByTestId('export-markdown').click());
    expect(markdown).toContain('What tells the runs apart: output format.');
    expect(markdown).toContain('| **output format** | **json** | **plain** |');
    const html = await download(() => page().getByTestId('export-html').click());
    expect(html).toContain('<tr class="marked"><th scope="row">output format</th><td>json</td><td>plain</td></tr>');
    expect(html).toContain('showSendToCloud: false');
    const csv = await download(() => page().getByTestId('export-csv').click());
    expect(csv.split('\r\n')[1]).toContain(',output format json,output format plain,');
    const [tar] = await Promise.all([page().waitForEvent('download'), page().getByTestId('export-npy').click()]);
    expect(tar.suggestedFilename()).toBe('experiment-3-vectors.tar');
    const listed = execFileSync('tar', ['-tf', (await tar.path()) as string], { encoding: 'utf8' }).trim().split('\n');
    expect(listed).toContain('experiment-3-vectors/index.json');
    expect(listed.filter((name) => name.endsWith('.npy'))).toHaveLength(2 * 6 + 1);
    await expect.poll(() => page().getByTestId('export-npy-done').textContent()).toContain('experiment-3-vectors.tar');
    await snap(page(), 'reading-export-1280');
  });

  it('Compare shows the config diff of runs from two experiments and exports it like an experiment', async () => {
    await nav('History');
    await page().getByLabel('Pick run histopathology of experiment 1').check();
    await page().getByLabel('Pick run histopathology of experiment 2').check();
    await page().getByRole('button', { name: 'Compare 2 picked runs' }).click();
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 60_000 }).toBe(
      'Comparison of 2 stored runs from the History: 1:histopathology (output format json), 2:histopathology (output format plain)',
    );
    const settings = page().getByTestId('run-settings');
    expect(await settings.locator('tbody tr[data-setting]').count()).toBe(1);
    expect(await settings.locator('tbody tr[data-setting]').getAttribute('data-setting')).toBe('outputFormat');
    const markdown = await download(() => page().getByTestId('compare-export-markdown').click());
    expect(markdown).toContain('| **output format** | **json** | **plain** |');
    expect(markdown).toContain('### 1:histopathology (output format json) vs 2:histopathology (output format plain)');
    const csv = await download(() => page().getByTestId('compare-export-csv').click());
    expect(csv.split('\r\n')[1]).toContain(',output format json,output format plain,');
    const html = await download(() => page().getByTestId('compare-export-html').click());
    expect(html).toContain('<tr class="marked"><th scope="row">output format</th><td>json</td><td>plain</td></tr>');
    await page().locator('[data-testid="plot-cosine"] .main-svg').first().waitFor();
    await snap(page(), 'reading-compare-1280');
  });

  it('with three pairs and long run names, no legend covers an axis title', async () => {
    await nav('History');
    await page().getByLabel('Pick run histopathology of experiment 1').check();
    await page().getByLabel('Pick run histopathology of experiment 2').check();
    await page().getByLabel('Pick run radiology of experiment 1').check();
    await page().getByRole('button', { name: 'Compare 3 picked runs' }).click();
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 60_000 }).toContain('Comparison of 3 stored runs');
    await page().locator('[data-testid="plot-heatmap"] .main-svg').first().waitFor();
    await page().locator('[data-testid="plot-cosine"] .legend').first().waitFor();
    expect(await page().evaluate<string[]>(LEGEND_OVER_TITLE)).toEqual([]);
    expect(await page().evaluate<string[]>(OVERFLOW)).toEqual([]);
    await snap(page(), 'reading-compare-three-1280');
  });

  it('notes and tags are stored in the history, searchable, and survive a restart of serve', async () => {
    await openExperiment('3');
    const annotations = page().getByTestId('annotations');
    await annotations.getByLabel('New tag').fill('pilot');
    await annotations.getByRole('button', { name: 'Add tag' }).click();
    await expect.poll(() => annotations.getByTestId('tag-chip').allTextContents()).toEqual(['pilot×']);
    await annotations.getByLabel('Notes').fill('Only the output format differs.');
    await annotations.getByRole('button', { name: 'Save notes' }).click();
    await expect.poll(() => annotations.getByTestId('notes-state').textContent()).toBe('Saved in the history.');
    await nav('History');
    await page().getByLabel('Search settings, files, notes and tags').fill('pilot');
    await expect.poll(() => page().getByTestId('history-grid').locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);

    await workbench.restartServer();
    await page().goto(workbench.server.url);
    await nav('History');
    await expect.poll(() => historyRow('3').locator('.tag-chip').allTextContents(), { timeout: 30_000 }).toEqual(['pilot']);
    await page().getByRole('button', { name: 'Open experiment 3', exact: true }).click();
    await expect.poll(() => page().getByTestId('annotations').getByLabel('Notes').inputValue(), { timeout: 30_000 }).toBe('Only the output format differs.');
    const markdown = await (async () => {
      await nav('Export');
      return download(() => page().getByTestId('export-markdown').click());
    })();
    expect(markdown).toContain('## Notes\n\n**Tags:** `pilot`\n\nOnly the output format differs.\n');
  });

  it('follows a running experiment live: per-run progress, the norms and the comparison so far, then the finished results', async () => {
    const before = enginePids();
    const { runId } = await call<{ runId: string }>('startExperiment', experiment([variant('histopathology', 'histopathology', 'json', 12), variant('radiology', 'radiology', 'json', 12)]));
    // Hold the run still once its second run has stored samples, so what the page shows can be checked.
    await expect.poll(async () => (await status(runId)).samplesDone, { timeout: 120_000, interval: 50 }).toBeGreaterThan(13);
    const [runPid] = enginePids().filter((pid) => !before.includes(pid));
    expect(runPid).toBeDefined();
    process.kill(runPid as number, 'SIGSTOP');
    try {
      const id = (await status(runId)).experimentId as string;
      await nav('Results');
      await page().getByRole('button', { name: `Follow experiment ${id} live` }).click();
      await expect.poll(() => page().getByTestId('live-note').textContent(), { timeout: 30_000 }).toMatch(/^Running: \d+ of 24 samples stored\./);
      const progress = await page().getByTestId('run-progress-row').locator('td').allTextContents();
      expect(progress[0]).toBe('12 / 12 samples');
      expect(progress[1]).toMatch(/^([1-9]|1[01]) \/ 12 samples, running$/);
      await page().locator('[data-testid="plot-norms"] .main-svg').first().waitFor();
      const norms = await page().getByTestId('plot-norms').evaluate((element) => (element as unknown as { data: { y: number[] }[] }).data.map((trace) => trace.y.length));
      expect(norms).toEqual([6, 6]);
      expect(await page().getByTestId('callout').count()).toBe(1);
      expect(await page().getByTestId('layer-table').locator('thead').textContent()).toContain('Norm so far');
      await snap(page(), 'reading-live-1280');
    } finally {
      process.kill(runPid as number, 'SIGCONT');
    }
    await expect.poll(() => page().getByTestId('live-note').count(), { timeout: 170_000 }).toBe(0);
    await expect.poll(async () => (await page().getByTestId('run-progress-row').locator('td').allTextContents()).join(' | '), { timeout: 30_000 }).toBe(
      '12 / 12 samples | 12 / 12 samples',
    );
    expect(await page().getByTestId('layer-table').locator('tbody tr').first().textContent()).toMatch(/\d\.\d{4}\d\.\d{4} – \d\.\d{4}/);
  });

  it('a stopped run is listed as interrupted with why, and the status filter then offers it', async () => {
    const { runId } = await call<{ runId: string }>('startExperiment', experiment([variant('histopathology', 'histopathology', 'json', null), variant('radiology', 'radiology', 'json', null)]));
    await expect.poll(async () => (await status(runId)).samplesDone, { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
    await call('cancelExperiment', { runId });
    await expect.poll(async () => (await status(runId)).state, { timeout: 60_000 }).toBe('cancelled');
    const id = (await status(runId)).experimentId as string;
    await nav('History');
    await page().getByLabel('Search settings, files, notes and tags').fill('');
    await expect.poll(() => historyRow(id).getByTestId('history-error').textContent(), { timeout: 30_000 }).toBe('stopped on request');
    expect(await page().getByLabel('Status').locator('option').allTextContents()).toEqual(['any', 'completed (4)', 'interrupted (1)']);
    await page().getByLabel('Status').selectOption('interrupted');
    await expect.poll(() => page().getByTestId('history-grid').locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);
    await page().getByLabel('Status').selectOption('');
    await snap(page(), 'reading-history-1280');
  });

  it('lays out Results, History, Compare and Export without overflow at 1280x800 and 1920x1080, and prints table headers on every page', async () => {
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      await page().setViewportSize({ width, height });
      await openExperiment('1');
      await page().locator('[data-testid="plot-pca"] .main-svg').first().waitFor({ timeout: 30_000 });
      expect(await page().evaluate<string[]>(OVERFLOW), `Results at ${width}`).toEqual([]);
      expect(await page().evaluate<string[]>(LEGEND_OVER_TITLE), `Results at ${width}`).toEqual([]);
      await snap(page(), `screen-results-${width}x${height}`);
      await nav('History');
      await page().getByTestId('history-grid').locator('tbody tr').first().waitFor();
      expect(await page().evaluate<string[]>(OVERFLOW), `History at ${width}`).toEqual([]);
      await snap(page(), `screen-history-${width}x${height}`);
      await page().getByLabel('Pick run histopathology of experiment 1').check();
      await page().getByLabel('Pick run histopathology of experiment 2').check();
      await page().getByLabel('Pick run histopathology_plain of experiment 3').check();
      await page().getByRole('button', { name: 'Compare 3 picked runs' }).click();
      await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 60_000 }).toContain('Comparison of 3 stored runs');
      await page().locator('[data-testid="plot-pca"] .main-svg').first().waitFor({ timeout: 30_000 });
      expect(await page().evaluate<string[]>(OVERFLOW), `Compare at ${width}`).toEqual([]);
      expect(await page().evaluate<string[]>(LEGEND_OVER_TITLE), `Compare at ${width}`).toEqual([]);
      await snap(page(), `screen-compare-${width}x${height}`);
      await openExperiment('1');
      await nav('Export');
      expect(await page().evaluate<string[]>(OVERFLOW), `Export at ${width}`).toEqual([]);
      await snap(page(), `screen-export-${width}x${height}`);
    }
    await openExperiment('1');
    await page().emulateMedia({ media: 'print' });
    expect(await page().evaluate<string>(`getComputedStyle(document.querySelector('[data-testid="layer-table"] thead')).display`)).toBe('table-header-group');
    await page().emulateMedia({ media: 'screen' });
    expect(consoleErrors.join('\n')).toBe('');
  });
});
