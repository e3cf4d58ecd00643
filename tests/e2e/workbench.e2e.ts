import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkbench, snap, type Workbench } from './workbench-harness.js';

describe('workbench in a real browser against serve (demo model)', () => {
  let workbench: Workbench;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    workbench = await openWorkbench();
    workbench.page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    workbench.page.on('pageerror', (error) => consoleErrors.push(error.message));
    await workbench.page.goto(workbench.server.url);
  });

  afterAll(async () => {
    await workbench?.close();
  });

  const nav = (name: string) => workbench.page.getByRole('navigation').getByRole('button', { name, exact: true }).click();

  it('loads the bundled histopathology and radiology data into the preview grid', async () => {
    const { page } = workbench;
    await page.getByRole('button', { name: /^histopathology/ }).first().click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent()).toMatch(/^histopathology \d+ samples$/);
    await page.getByRole('button', { name: /^radiology/ }).first().click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent()).toMatch(/^radiology \d+ samples$/);
    expect(await page.locator('[data-testid="dataset-grid"] tbody tr').count()).toBe(25);
    const filter = page.getByLabel('Filter radiology samples');
    await filter.fill('no report says this');
    await expect.poll(() => page.getByTestId('dataset-grid-count').textContent()).toMatch(/^0 of \d+ rows$/);
    await filter.fill('');
    await snap(page, '1-datasets');
  });

  it('shows the exact prompt with its token count', async () => {
    const { page } = workbench;
    await nav('Prompts');
    await expect.poll(() => page.getByTestId('token-count').textContent()).toMatch(/^\d+ tokens$/);
    expect((await page.getByTestId('prompt-text').textContent())?.length ?? 0).toBeGreaterThan(200);
    await snap(page, '2-prompts');
  });

  it('inspects the demo model', async () => {
    const { page } = workbench;
    await nav('Model');
    await expect.poll(() => page.getByTestId('model-status').textContent(), { timeout: 30_000 }).toBe('OK');
    expect(await page.getByTestId('model-facts').textContent()).toContain('gemma3_text');
    await snap(page, '3-model');
  });

  it('runs a two-variant experiment with progress to completion', async () => {
    const { page } = workbench;
    await nav('Experiment');
    const rows = page.getByTestId('variant-row');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Variant 1 samples').fill('4');
    await page.getByLabel('Variant 2 samples').fill('4');
    await page.getByRole('button', { name: 'Run experiment' }).click();
    await expect.poll(() => page.locator('.progress .state-label').textContent(), { timeout: 120_000 }).toBe('completed');
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('8');
    await snap(page, '4-experiment');
  });

  it('renders the plots with one trace per pair', async () => {
    const { page } = workbench;
    await page.getByRole('button', { name: 'Open results' }).click();
    await page.locator('[data-testid="plot-cosine"] .main-svg').first().waitFor();
    const pairTraces = (testId: string) =>
      page.getByTestId(testId).evaluate((element) => {
        const data = (element as unknown as { data: { meta?: { kind?: string } }[] }).data;
        return data.filter((trace) => trace.meta?.kind === 'pair').length;
      });
    expect(await pairTraces('plot-cosine')).toBe(1);
    expect(await pairTraces('plot-l2')).toBe(1);
    await page.locator('[data-testid="plot-norms"] .main-svg').first().waitFor();
    expect(await page.getByTestId('callout').count()).toBe(1);
    expect(await page.locator('[data-testid="layer-table"] tbody tr').count()).toBe(6);
    await snap(page, '5-results');
  });

  it('finds the experiment in the history', async () => {
    const { page } = workbench;
    await nav('History');
    const grid = page.getByTestId('history-grid');
    await expect.poll(() => grid.locator('tbody tr').first().textContent()).toContain('completed');
    expect(await grid.locator('tbody tr').count()).toBe(1);
    const row = await grid.locator('tbody tr').first().textContent();
    expect(row).toContain('histopathology');
    expect(row).toContain('radiology');
    expect(row).toContain('completed');
    await snap(page, '6-history');
  });

  it('exports a self-contained HTML report', async () => {
    const { page } = workbench;
    await nav('Export');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
    const html = readFileSync(await download.path(), 'utf8');
    expect(html).toContain('<!doctype html>');
    expect(html).toContain('histopathology vs radiology');
    expect(html).not.toMatch(/<script/i);
    await page.getByTestId('export-done').waitFor();
    await snap(page, '7-export');
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('shows a moving progress bar and cancels within a second', async () => {
    const { page } = workbench;
    await nav('Experiment');
    await page.getByLabel('Variant 1 samples').fill('all');
    await page.getByLabel('Variant 2 samples').fill('all');
    await page.getByRole('button', { name: 'Run experiment' }).click();
    const progress = page.getByRole('progressbar');
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);
    // Measured inside the page, from the click to the moment the UI shows the run as cancelled.
    // (Browser code as a string: the test project is type-checked without DOM types.)
    await page.evaluate(`{
      const marks = (window.cancelMarks = {});
      document.querySelector('.content').addEventListener('click', () => (marks.clicked ??= performance.now()), true);
      new MutationObserver(() => {
        if (document.querySelector('.progress .state-label')?.textContent === 'cancelled') marks.cancelled ??= performance.now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => page.locator('.progress .state-label').textContent(), { timeout: 5_000 }).toBe('cancelled');
    const marks = await page.evaluate<Record<string, number>>('window.cancelMarks');
    expect((marks['cancelled'] ?? Infinity) - (marks['clicked'] ?? 0)).toBeLessThan(1000);
    await snap(page, '8-cancelled');
  });
});
