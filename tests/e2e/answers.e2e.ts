import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRequest, ProgressEvent } from '../../src/contract/index.js';
import { openWorkbench, plotsFit, snapSizes, type Workbench } from './workbench-harness.js';

/** What sticks out: the page wider than the window, or panels and tables whose content is wider than they are. */
const OVERFLOW = `(() => {
  const page = document.scrollingElement.scrollWidth > window.innerWidth + 1 ? ['page'] : [];
  const boxes = [...document.querySelectorAll('main .panel, main .screen-header, main .grid-scroll, main .table-scroll')]
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .map((box) => (box.closest('.panel')?.querySelector('h2, h1')?.textContent ?? box.className) + ' (' + box.scrollWidth + ' > ' + box.clientWidth + ')');
  return [...page, ...boxes];
})()`;

interface ResultsJson {
  classification: {
    variants: { run: string; samples: number; scored: number; correct: number; accuracy: { value: number | null }; balanced_accuracy: { value: number | null }; macro_f1: { value: number | null } }[];
    mcnemar: { run_a: string; run_b: string }[];
  };
  samples: { run: string; position: number; predicted: string | number | boolean | null; gold_class: string | null; correct: boolean | null; parse_status: string }[];
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)}%`;
}

/** The results.json of every report folder under the scratch outputs/ folder whose experiment is `name`. */
function reportsOf(root: string, name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === 'results.json' && path.basename(dir).includes(`_${name}_`)) found.push(full);
    }
  };
  walk(path.join(root, 'outputs'));
  return found;
}

describe('model answers in the app: a classification run from the Experiment screen, and the logit lens', () => {
  let workbench: Workbench;
  const consoleErrors: string[] = [];
  const page = (): Page => workbench.page;
  const nav = (name: string) => page().getByRole('navigation').getByRole('button', { name, exact: true }).click();

  beforeAll(async () => {
    workbench = await openWorkbench();
    page().on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page().on('pageerror', (error) => consoleErrors.push(error.message));
    await page().goto(workbench.server.url);
  });

  afterAll(async () => {
    await workbench?.close();
  });

  it('runs a classification experiment on the bundled data from the Experiment screen', async () => {
    await nav('Experiment');
    await expect.poll(() => page().getByTestId('variant-row').count(), { timeout: 30_000 }).toBe(2);
    const type = page().getByTestId('experiment-type');
    await expect.poll(() => type.isEnabled(), { timeout: 30_000 }).toBe(true);
    await type.selectOption('classification');
    // The type's settings come from configs/experiment/classification.yaml through the engine.
    const defaults = (await workbench.api('experimentDefaults')) as { typeDefaults: { classification: { generation: { maxNewTokens: number } } } };
    expect(await page().getByTestId('max-new-tokens').inputValue()).toBe(String(defaults.typeDefaults.classification.generation.maxNewTokens));
    expect(await page().getByLabel('Pooling').count()).toBe(0);
    await page().getByTestId('max-new-tokens').fill('12');
    await page().getByLabel('Variant 1 samples').fill('4');
    await page().getByLabel('Variant 2 samples').fill('4');
    await page().getByTestId('do-sample').check();
    await expect.poll(() => page().getByLabel('Top-p').count()).toBe(1);
    for (const size of ['1920x1080', '1280x800']) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      await page().setViewportSize({ width, height });
      expect(await page().evaluate(OVERFLOW), size).toEqual([]);
    }
    await snapSizes(page(), '39-experiment-classification');
    await page().getByTestId('do-sample').uncheck();
    await page().getByRole('button', { name: 'Run experiment' }).click();
    const progress = page().getByRole('progressbar');
    await expect.poll(async () => `${await progress.getAttribute('aria-valuemax')} ${await page().locator('.progress .state-label').textContent()}`, { timeout: 170_000 }).toBe('8 completed');
    await page().getByRole('button', { name: 'Open results' }).click();
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 30_000 }).toContain('Experiment 1 ');
  });

  it('shows metrics, McNemar, confusion matrices and an answers table that agree with results.json', async () => {
    const [reportPath, ...others] = reportsOf(workbench.scratch, 'classification');
    expect(others).toEqual([]);
    const report = JSON.parse(readFileSync(reportPath as string, 'utf8')) as ResultsJson;
    const metrics = page().getByTestId('answer-metrics');
    await expect.poll(() => metrics.count(), { timeout: 30_000 }).toBe(1);
    expect(await metrics.locator('thead th').allTextContents()).toEqual(['Metric (95% CI)', 'histopathology', 'radiology']);
    for (const variant of report.classification.variants) {
      const value = async (row: string) => (await page().getByTestId(`metric-${row}`).locator(`td[data-run="${variant.run}"]`).textContent()) ?? '';
      expect(await value('accuracy')).toMatch(new RegExp(`^${percent(variant.accuracy.value).replace('.', '\\.')}`));
      expect(await value('balanced-accuracy')).toMatch(new RegExp(`^${percent(variant.balanced_accuracy.value).replace('.', '\\.')}`));
      expect(await value('macro-f1')).toMatch(new RegExp(`^${percent(variant.macro_f1.value).replace('.', '\\.')}`));
      expect(await page().locator(`[data-testid="metric-scored"][data-run="${variant.run}"]`).textContent()).toBe(
        `${variant.correct} correct of ${variant.scored} scored; ${variant.samples} samples`,
      );
    }
    expect(await page().getByTestId('mcnemar-table').locator('tbody tr').count()).toBe(report.classification.mcnemar.length);
    await expect.poll(() => page().getByTestId('plot-confusion').locator('.heatmaplayer').count(), { timeout: 30_000 }).toBe(2);

    // The table of the first run: every row as results.json records it, and the filters count as it does.
    const table = page().getByTestId('answers-table');
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(4);
    const recorded = report.samples.filter((sample) => sample.run === 'histopathology');
    const rows = await Promise.all((await table.locator('tbody tr').all()).map((tr) => tr.locator('td').allTextContents()));
    for (const row of rows) {
      const sample = recorded.find((entry) => String(entry.position) === row[0]);
      expect(sample, `row ${row[0]}`).toBeDefined();
      expect(row[4]).toBe(sample?.gold_class ?? '–');
      expect(row[5]).toBe(sample?.correct === null ? '—' : sample?.correct ? '✓' : '✗');
      if (sample?.parse_status === 'parsed') expect(row[3]).toMatch(new RegExp(`^${String(sample.predicted)}`));
      else expect(row[3]).toBe(sample?.parse_status.replace('_', ' '));
    }
    const correct = recorded.filter((sample) => sample.correct === true).length;
    const failures = recorded.filter((sample) => sample.parse_status !== 'parsed').length;
    expect(await page().getByTestId('answers-filter-correct').textContent()).toBe(`Correct (${correct})`);
    expect(await page().getByTestId('answers-filter-parse_failure').textContent()).toBe(`Parse failure (${failures})`);
    await page().getByTestId('answers-filter-parse_failure').click();
    await expect.poll(() => page().getByTestId('answers-filter-parse_failure').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => table.locator('tbody tr:not(:has(.empty-row))').count(), { timeout: 30_000 }).toBe(failures);
    await page().getByTestId('answers-filter-all').click();
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(4);

    for (const size of ['1920x1080', '1280x800']) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      await page().setViewportSize({ width, height });
      await plotsFit(page());
      expect(await page().evaluate(OVERFLOW), size).toEqual([]);
    }
    await snapSizes(page(), '40-classification-results');
  });

  it('shows the logit lens of a logit_lens run as a layers x top tokens heatmap with the gold rank', async () => {
    const request: ExperimentRequest = {
      modelDir: null,
      variants: [{ name: 'radiology', dataset: { kind: 'bundled', name: 'radiology' }, prompt: { name: 'radiology', options: { fewShot: false, answerFirst: false, contrarian: false, outputFormat: 'plain' } }, numSamples: 2, seed: 42 }],
      layers: null,
      pooling: 'mean',
      comparisonMode: 'pairwise',
      hook: 'resid_post',
      maxInputTokens: null,
      experimentType: 'logit_lens',
      topK: 5,
    };
    const { runId } = (await workbench.api('startExperiment', request)) as { runId: string };
    await expect.poll(async () => ((await workbench.api('experimentStatus', { runId })) as ProgressEvent).state, { timeout: 170_000, interval: 250 }).toBe('completed');
    const { experimentId } = (await workbench.api('experimentStatus', { runId })) as ProgressEvent;
    await nav('History');
    await page().getByRole('button', { name: `Open experiment ${experimentId}`, exact: true }).click();
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 30_000 }).toContain(`Experiment ${experimentId} `);
    const lens = page().getByTestId('plot-lens');
    await expect.poll(() => lens.locator('.heatmaplayer').count(), { timeout: 30_000 }).toBe(1);
    const rows = await lens.evaluate((element) => (element as unknown as { data: { y: string[]; x: string[] }[] }).data[0]);
    const view = (await workbench.api('logitLens', { ref: { experimentId, runName: 'radiology' }, position: 0, topK: 8 })) as {
      cells: { layer: number; goldRank: number; top: unknown[] }[];
    };
    expect(rows?.y).toEqual(view.cells.map((cell) => `layer ${cell.layer} · gold #${cell.goldRank}`));
    // The run recorded its top 5 tokens per layer.
    expect(view.cells[0]?.top).toHaveLength(5);
    expect(rows?.x).toEqual(['#1', '#2', '#3', '#4', '#5']);
    expect(await page().locator('[data-testid="plot-lens"] .xtick text').allTextContents()).toEqual(['#1', '#2', '#3', '#4', '#5']);
    expect(await page().getByTestId('lens-gold').textContent()).toContain(`rank ${view.cells.at(-1)?.goldRank} at the last layer`);
    expect(await page().getByTestId('plot-layers').count()).toBe(0);
    for (const size of ['1920x1080', '1280x800']) {
      const [width, height] = size.split('x').map(Number) as [number, number];
      await page().setViewportSize({ width, height });
      await plotsFit(page());
      expect(await page().evaluate(OVERFLOW), size).toEqual([]);
    }
    await snapSizes(page(), '41-logit-lens');
    expect(consoleErrors).toEqual([]);
  });
});
