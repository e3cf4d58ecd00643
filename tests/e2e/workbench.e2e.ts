import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openWorkbench, snap, type Workbench } from './workbench-harness.js';

const SCREEN_NAMES = ['Datasets', 'Prompts', 'Model', 'Experiment', 'Results', 'History', 'Export'];

/** What has the keyboard focus: where it is, its accessible name, and whether a focus ring is drawn around it. */
interface FocusState {
  id: number;
  place: 'nav' | 'main' | 'other';
  name: string;
  ring: boolean;
}

// Browser code as a string: the test project is type-checked without DOM types. Each focused element gets a stable
// id, so a change of focus can be told from focus staying put.
const FOCUS_STATE = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { id: -1, place: 'other', name: '', ring: false };
  window.focusCount ??= 0;
  el.dataset.focusId ??= String((window.focusCount += 1));
  const style = getComputedStyle(el);
  const ring = el.matches(':focus-visible') && (style.boxShadow !== 'none' || (style.outlineStyle !== 'none' && style.outlineWidth !== '0px'));
  let label = el.getAttribute('aria-label');
  if (label === null && el.labels && el.labels[0]) {
    const text = el.labels[0].cloneNode(true);
    text.querySelectorAll('select, input, button, span').forEach((child) => child.remove());
    label = text.textContent;
  }
  return {
    id: Number(el.dataset.focusId),
    place: el.closest('nav') ? 'nav' : el.closest('main') ? 'main' : 'other',
    name: (label ?? el.textContent ?? '').replace(/\\s+/g, ' ').trim(),
    ring,
  };
})()`;

const focusState = (page: Page) => page.evaluate<FocusState>(FOCUS_STATE);

/** Drops a file made in the page on the Datasets drop zone, as a drag from the desktop would. */
async function dropFile(page: Page, fileName: string, content: string): Promise<void> {
  await page.evaluate(`(() => {
    const zone = document.querySelector('[aria-label="Drop a dataset file here"]');
    const data = new DataTransfer();
    data.items.add(new File([${JSON.stringify(content)}], ${JSON.stringify(fileName)}, { type: 'text/tab-separated-values' }));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      zone.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
    }
  })()`);
}

/** The page with every <script> body emptied: what is left is markup and attributes. */
function markupOnly(html: string): string {
  return html.replace(/(<script\b[^>]*>)[\s\S]*?(<\/script>)/gi, '$1$2');
}

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

  /** A second tab on the same server, starting from an empty workspace (the kept one is cleared first). */
  const freshPage = async () => {
    const page = await workbench.context.newPage();
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(workbench.server.url);
    await page.evaluate('localStorage.clear()');
    await page.reload();
    return page;
  };

  /** The meta.kind of every trace of a plot (Plotly keeps the traces on the element). */
  const traceKinds = (testId: string) =>
    workbench.page.getByTestId(testId).evaluate((element) => {
      const data = (element as unknown as { data: { meta?: { kind?: string } }[] }).data;
      return data.map((trace) => trace.meta?.kind ?? '');
    });

  const runExperiment = async (samples: string, seed: string) => {
    const { page } = workbench;
    await nav('Experiment');
    await expect.poll(() => page.getByTestId('variant-row').count()).toBe(2);
    await page.getByLabel('Variant 1 samples').fill(samples);
    await page.getByLabel('Variant 2 samples').fill(samples);
    await page.getByLabel('Variant 1 seed').fill(seed);
    await page.getByLabel('Variant 2 seed').fill(seed);
    await page.getByRole('button', { name: 'Run experiment' }).click();
    // The bar still shows the previous run until the new one reports: wait for this run's own total.
    const progress = page.getByRole('progressbar');
    const total = String(2 * Number(samples));
    await expect.poll(async () => `${await progress.getAttribute('aria-valuemax')} ${await page.locator('.progress .state-label').textContent()}`, { timeout: 120_000 }).toBe(`${total} completed`);
  };

  it('loads the bundled histopathology and radiology data, with card counts measured from the files', async () => {
    const { page } = workbench;
    const cards = page.getByTestId('dataset-card-counts');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(2);
    const cardSamples = async (index: number) => /^(\d+) samples/.exec((await cards.nth(index).textContent()) ?? '')?.[1];
    await page.getByRole('button', { name: /^histopathology/ }).first().click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 10_000 }).toMatch(/^histopathology \d+ samples$/);
    const histopathology = /(\d+) samples$/.exec((await page.getByTestId('dataset-title').textContent()) ?? '')?.[1];
    expect(await cardSamples(0)).toBe(histopathology);
    await page.getByRole('button', { name: /^radiology/ }).first().click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toMatch(/^radiology \d+ samples$/);
    const radiology = /(\d+) samples$/.exec((await page.getByTestId('dataset-title').textContent()) ?? '')?.[1];
    expect(await cardSamples(1)).toBe(radiology);
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
    await expect.poll(() => page.getByTestId('token-count').textContent(), { timeout: 10_000 }).toMatch(/^\d+ tokens$/);
    expect((await page.getByTestId('prompt-text').textContent())?.length ?? 0).toBeGreaterThan(200);
    await snap(page, '2-prompts');
  });

  it('inspects the demo model, hook tensors included', async () => {
    const { page } = workbench;
    await nav('Model');
    await expect.poll(() => page.getByTestId('model-status').textContent(), { timeout: 30_000 }).toBe('OK');
    const facts = await page.getByTestId('model-facts').textContent();
    expect(facts).toContain('gemma3_text');
    expect(facts).toContain('optimum');
    await page.getByText('Captured tensor of every layer').click();
    expect(await page.locator('[data-testid="hook-tensors"] tbody tr').count()).toBe(6);
    await snap(page, '3-model');
  });

  it('runs a two-variant experiment with progress to completion', async () => {
    const { page } = workbench;
    await runExperiment('4', '42');
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('8');
    await snap(page, '4-experiment');
  });

  it('shows the analytics: confidence bands, Holm p-values, the PCA scatter and the callouts', async () => {
    const { page } = workbench;
    await page.getByRole('button', { name: 'Open results' }).click();
    await page.locator('[data-testid="plot-cosine"] .main-svg').first().waitFor();
    expect(await traceKinds('plot-cosine')).toEqual(['band', 'pair']);
    expect(await traceKinds('plot-l2')).toEqual(['band', 'pair']);
    await page.locator('[data-testid="plot-norms"] .main-svg').first().waitFor();
    expect(await page.getByTestId('callout').count()).toBe(1);
    expect(await page.getByTestId('callout').textContent()).toMatch(/Holm/);
    const table = page.getByTestId('layer-table');
    expect(await table.locator('tbody tr').count()).toBe(6);
    expect(await table.locator('thead').textContent()).toContain('p (Holm)');
    expect(await table.locator('tbody tr').first().textContent()).toMatch(/\d\.\d{4}\d\.\d{4} – \d\.\d{4}/);
    await page.locator('[data-testid="plot-pca"] .main-svg').first().waitFor();
    const scatter = await page.getByTestId('plot-pca').evaluate((element) =>
      (element as unknown as { data: { x: number[]; customdata: unknown[][]; name: string }[] }).data.map((trace) => ({ name: trace.name, points: trace.x.length, first: trace.customdata[0] })),
    );
    expect(scatter.map((trace) => [trace.name, trace.points])).toEqual([
      ['histopathology', 4],
      ['radiology', 4],
    ]);
    // Run, position, dataset index, label.
    expect(scatter[0]?.first).toHaveLength(4);
    await page.getByLabel('Layer of the sample plots').selectOption('2');
    await expect.poll(() => page.getByTestId('layer-samples').locator('h2').textContent(), { timeout: 30_000 }).toBe('Samples at layer 2');
    await snap(page, '5-results');
  });

  it('finds the experiment in the history', async () => {
    const { page } = workbench;
    await nav('History');
    const grid = page.getByTestId('history-grid');
    await expect.poll(() => grid.locator('tbody tr').first().textContent(), { timeout: 30_000 }).toContain('completed');
    expect(await grid.locator('tbody tr').count()).toBe(1);
    const row = await grid.locator('tbody tr').first().textContent();
    expect(row).toContain('histopathology');
    expect(row).toContain('radiology');
    await snap(page, '6-history');
  });

  it('exports the self-contained HTML report and the metrics CSV', async () => {
    const { page } = workbench;
    await page.getByRole('button', { name: 'Open experiment 1' }).click();
    await nav('Export');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-html').click()]);
    const html = readFileSync(await download.path(), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('histopathology');
    expect(html).toMatch(/<script>[\s\S]*Plotly[\s\S]*<\/script>/);
    const markup = markupOnly(html);
    expect(markup).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(markup).not.toMatch(/<script\b[^>]*\bsrc=/i);
    await page.getByTestId('export-done').waitFor();
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
    const csv = readFileSync(await csvDownload.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toContain('cosine_ci_low');
    expect(csv.split('\r\n')).toHaveLength(1 + 6 + 1);
    const [tar] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-npy').click()]);
    expect(tar.suggestedFilename()).toBe('experiment-1-vectors.tar');
    await expect.poll(() => page.getByTestId('export-npy-done').textContent(), { timeout: 30_000 }).toMatch(/Downloaded experiment-1-vectors\.tar/);
    await snap(page, '7-export');
  });

  it('compares runs of two experiments from the History', async () => {
    const { page } = workbench;
    await runExperiment('3', '7');
    await nav('History');
    const grid = page.getByTestId('history-grid');
    await expect.poll(() => grid.locator('tbody tr').count(), { timeout: 30_000 }).toBe(2);
    await page.getByLabel('Pick run histopathology of experiment 1').check();
    await page.getByLabel('Pick run radiology of experiment 2').check();
    await page.getByRole('button', { name: 'Compare 2 picked runs' }).click();
    await expect.poll(() => page.getByTestId('results-summary').textContent(), { timeout: 30_000 }).toContain('Comparison of 2 stored runs');
    await page.locator('[data-testid="plot-cosine"] .main-svg').first().waitFor();
    expect(await traceKinds('plot-cosine')).toEqual(['band', 'pair']);
    const names = await page.getByTestId('plot-cosine').evaluate((element) => (element as unknown as { data: { name?: string }[] }).data.map((trace) => trace.name));
    expect(names).toContain('1:histopathology vs 2:radiology');
    await page.locator('[data-testid="plot-pca"] .main-svg').first().waitFor();
    await snap(page, '8-compare');
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('shows a moving progress bar and cancels a run before it finishes', async () => {
    const { page } = workbench;
    await nav('Experiment');
    await page.getByLabel('Variant 1 samples').fill('all');
    await page.getByLabel('Variant 2 samples').fill('all');
    await page.getByRole('button', { name: 'Run experiment' }).click();
    const progress = page.getByRole('progressbar');
    // Clicking Run clears the previous run's bar, so this is the new run moving.
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    // State, not time: the run is shown cancelled before it has done all its samples.
    await expect.poll(() => page.locator('.progress .state-label').textContent(), { timeout: 60_000 }).toBe('cancelled');
    const done = Number(await progress.getAttribute('aria-valuenow'));
    expect(done).toBeLessThan(Number(await progress.getAttribute('aria-valuemax')));
    await snap(page, '9-cancelled');
    await nav('History');
    const grid = page.getByTestId('history-grid');
    await expect.poll(() => grid.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    const interrupted = grid.locator('tbody tr').first();
    expect(await interrupted.textContent()).toContain('interrupted');
    expect(Number(await interrupted.locator('td').nth(4).textContent())).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Resume experiment 3' }).count()).toBe(1);
    await snap(page, '10-history-interrupted');
  });

  it('shows CKA and the per-sample cosine spread for paired runs (one dataset, two prompts)', async () => {
    const { page } = workbench;
    await nav('Experiment');
    await page.getByLabel('Variant 2 name').fill('histopathology_plain');
    await page.getByLabel('Variant 2 dataset').selectOption({ label: (await page.getByLabel('Variant 1 dataset').locator('option:checked').textContent()) ?? '' });
    await page.getByLabel('Variant 2 prompt').selectOption('histopathology');
    await page.getByLabel('Variant 2 output format').selectOption('plain');
    await runExperiment('5', '42');
    await page.getByRole('button', { name: 'Open results' }).click();
    await page.locator('[data-testid="plot-cka"] .main-svg').first().waitFor();
    expect(await traceKinds('plot-cka')).toEqual(['cka']);
    await page.locator('[data-testid="plot-sample-cosine"] .main-svg').first().waitFor();
    expect(await traceKinds('plot-sample-cosine')).toEqual(['histogram']);
    expect(await page.getByTestId('sample-cosine-summary').textContent()).toMatch(/over 5 sample pairs/);
    expect(await page.getByTestId('layer-table').locator('thead').textContent()).toContain('CKA');
    await snap(page, '11-paired');
    expect(consoleErrors.join('\n')).toBe('');
  });

  it('warns inline when a prompt is written for another dataset format, and still lets the run go ahead', async () => {
    const page = await freshPage();
    await page.getByRole('button', { name: /^histopathology/ }).first().click();
    await page.getByRole('button', { name: /^radiology/ }).first().click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toMatch(/^radiology /);
    await page.getByRole('navigation').getByRole('button', { name: 'Prompts', exact: true }).click();
    await page.getByLabel('Strategy').selectOption('histopathology');
    await page.getByRole('combobox', { name: /^Dataset\b/ }).selectOption({ label: 'radiology' });
    const notice = page.getByTestId('prompt-dataset-warning');
    await expect.poll(() => notice.textContent(), { timeout: 10_000 }).toContain(
      "prompt 'histopathology' is written for hare_tsv datasets, dataset 'radiology' is radiology",
    );
    await snap(page, '12-prompt-format-warning');
    await page.getByLabel('Strategy').selectOption('radiology');
    await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(0);

    await page.getByRole('navigation').getByRole('button', { name: 'Experiment', exact: true }).click();
    await expect.poll(() => page.getByTestId('variant-row').count()).toBe(2);
    const warnings = page.getByTestId('variant-format-warning');
    expect(await warnings.count()).toBe(0);
    await page.getByLabel('Variant 2 prompt').selectOption('histopathology');
    await expect.poll(() => warnings.count()).toBe(1);
    expect(await page.getByTestId('variant-row').nth(1).getByTestId('variant-format-warning').textContent()).toBe(
      '⚠ written for hare_tsv data, this is radiology',
    );
    expect(await page.getByLabel('Variant 2 prompt').getAttribute('aria-describedby')).toBe(await warnings.getAttribute('id'));
    await expect.poll(() => page.getByRole('button', { name: 'Run experiment' }).isEnabled(), { timeout: 30_000 }).toBe(true);
    await snap(page, '13-experiment-format-warning');
    await page.close();
  });

  it('is usable from the keyboard: Tab walks the navigation and every screen with a visible focus ring, Enter opens a screen', async () => {
    const page = await freshPage();
    await page.getByTestId('dataset-card-counts').first().waitFor();
    const reached = new Map<string, string[]>();
    let previous = await focusState(page);
    expect(previous.place).toBe('other');
    const tab = async () => {
      await page.keyboard.press('Tab');
      const state = await focusState(page);
      expect(state.id, `focus did not move after ${previous.name}`).not.toBe(previous.id);
      if (state.place !== 'other') expect(state.ring, `no focus ring on "${state.name}"`).toBe(true);
      previous = state;
      return state;
    };
    for (const screen of SCREEN_NAMES) {
      // From wherever the focus is, on to this screen's navigation button (the walk wraps round the page).
      for (let presses = 0; !(previous.place === 'nav' && previous.name === screen); presses += 1) {
        expect(presses, `Tab never reached the ${screen} navigation button`).toBeLessThan(80);
        await tab();
      }
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('main h1').textContent()).toBe(screen);
      // Wait for the screen's state, not for time: the checks must pass before Run can take the focus.
      if (screen === 'Experiment') await expect.poll(() => page.getByRole('button', { name: 'Run experiment' }).isEnabled(), { timeout: 30_000 }).toBe(true);
      if (screen === 'Prompts') await page.getByLabel('Few-shot examples').waitFor();
      const names: string[] = [];
      // The remaining navigation buttons, then the screen's own controls until the focus leaves the page content.
      for (let presses = 0; ; presses += 1) {
        expect(presses, `Tab never left the ${screen} screen`).toBeLessThan(120);
        const state = await tab();
        if (state.place === 'main') names.push(state.name);
        else if (names.length > 0) break;
        if (screen === 'Experiment' && state.name === 'Run experiment') await snap(page, '14-keyboard-focus');
      }
      reached.set(screen, names);
      if (screen === 'Datasets') {
        // Open a bundled dataset from the keyboard too, so the later screens have their full controls.
        await page.getByRole('button', { name: /^histopathology/ }).first().focus();
        await page.keyboard.press('Enter');
        await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toMatch(/^histopathology /);
        previous = await focusState(page);
      }
    }
    expect(reached.get('Datasets')).toEqual(expect.arrayContaining(['Path on the workbench machine', 'Open']));
    expect(reached.get('Prompts')).toEqual(expect.arrayContaining(['Strategy', 'Few-shot examples', 'Output format', 'Dataset', 'Sample index', 'Next sample']));
    expect(reached.get('Model')).toEqual(expect.arrayContaining(['Model folder (empty: bundled demo model)']));
    expect(reached.get('Experiment')).toEqual(expect.arrayContaining(['Variant 1 name', 'Variant 1 prompt', 'Add variant', 'Run experiment']));
    for (const screen of ['Results', 'History', 'Export']) expect(reached.get(screen)?.length, screen).toBeGreaterThan(0);
    await page.close();
  });

  it('opens a dropped TSV, maps its columns into the preview grid, and names the line of a malformed dropped file', async () => {
    const page = await freshPage();
    await page.getByTestId('dataset-card-counts').first().waitFor();
    const rows = ['finding\tlabel\tsite', 'Lytic lesion with a fracture.\t1\tfemur', 'Normal bone density.\t0\tradius', 'Cortical thinning, no fracture.\t0\thumerus'];
    await dropFile(page, 'dropped-notes.tsv', `${rows.join('\n')}\n`);
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toMatch(/dropped-notes/);
    const mapping = page.getByRole('group', { name: 'Column mapping' });
    await mapping.getByRole('combobox', { name: /^Text\b/ }).selectOption('finding');
    await expect.poll(() => page.locator('[data-testid="dataset-grid"] tbody tr').count(), { timeout: 30_000 }).toBe(3);
    await mapping.getByRole('combobox', { name: /^Label\b/ }).selectOption('label');
    await expect.poll(() => page.locator('[data-testid="dataset-grid"] tbody tr').first().textContent(), { timeout: 30_000 }).toContain('Lytic lesion with a fracture.1');
    expect(await page.getByTestId('dataset-title').textContent()).toMatch(/3 samples$/);
    await snap(page, '15-dropped-tsv');

    await dropFile(page, 'broken-notes.tsv', 'finding\tlabel\nFine report.\t0\n"Unclosed quote starts here.\t1\nAnother row.\t0\n');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/broken-notes\.tsv, line 3: a quoted field opened in this row is never closed/);
    await snap(page, '16-dropped-malformed');
    await page.close();
  });
});
