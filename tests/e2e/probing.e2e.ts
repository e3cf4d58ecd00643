import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentRequest, ProbeView, ProgressEvent } from '../../src/contract/index.js';
import { runCli } from '../helpers/cli.js';
import { LEGEND_OVER_TITLE, OVERFLOW, openWorkbench, screenshotDir, snapSizes, type Workbench } from './workbench-harness.js';

function variant(name: string, numSamples: number) {
  return {
    name,
    dataset: { kind: 'bundled' as const, name },
    prompt: { name, options: { fewShot: true, answerFirst: false, contrarian: false, outputFormat: 'json' as const } },
    numSamples,
    seed: 42,
  };
}

const EXPERIMENT: ExperimentRequest = {
  modelDir: null,
  variants: [variant('radiology', 24), variant('histopathology', 24)],
  layers: null,
  pooling: 'mean',
  comparisonMode: 'pairwise',
  hook: 'resid_post',
  maxInputTokens: null,
};

/** A Plotly chart's traces as drawn in the page (name, x, y, z). */
function tracesOf(page: Page, testId: string): Promise<{ name?: string; x: unknown[]; y?: unknown[]; z?: number[][] }[]> {
  return page.evaluate(`(() => {
    const plot = document.querySelector('[data-testid="${testId}"]');
    return (plot?.data ?? []).map(({ name, x, y, z }) => ({ name, x, y, z }));
  })()`);
}

/** Whether the probe charts fill their containers' width (Plotly follows a window resize on its own, a little later). */
const PROBE_PLOTS_FIT = `(() => ['plot-probe-accuracy', 'plot-probe-confusion'].every((id) => {
  const plot = document.querySelector('[data-testid="' + id + '"]');
  const svg = plot?.querySelector('.main-svg');
  return plot != null && svg != null && Math.abs(svg.getBoundingClientRect().width - plot.clientWidth) < 2;
}))()`;

describe('probing a run from the Results screen', () => {
  let workbench: Workbench;
  const consoleErrors: string[] = [];
  const page = (): Page => workbench.page;
  const nav = (name: string) => page().getByRole('navigation').getByRole('button', { name, exact: true }).click();
  const panel = () => page().getByTestId('probing-panel');
  const storedProbes = async () => ((await workbench.api('experimentProbes', { experimentId: '1' })) as { probes: ProbeView[] }).probes;

  beforeAll(async () => {
    workbench = await openWorkbench();
    page().on('console', (message) => {
      // The refused probe answers 400, which Chromium logs; anything else is a fault of the page.
      if (message.type() === 'error' && !message.text().includes('status of 400')) consoleErrors.push(message.text());
    });
    page().on('pageerror', (error) => consoleErrors.push(error.message));
  });

  afterAll(async () => {
    await workbench?.close();
  });

  it('runs a small experiment of two runs, keeping every sample vector', async () => {
    const { runId } = (await workbench.api('startExperiment', EXPERIMENT)) as { runId: string };
    const state = async () => ((await workbench.api('experimentStatus', { runId })) as ProgressEvent).state;
    await expect.poll(state, { timeout: 170_000, interval: 250 }).toBe('completed');
    await page().goto(workbench.server.url);
  });

  it('offers the runs and their metadata fields, and has no probe yet', async () => {
    await nav('History');
    await page().getByRole('button', { name: 'Open experiment 1', exact: true }).click();
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 30_000 }).toContain('Experiment 1 ');
    await panel().getByTestId('no-probes').waitFor({ timeout: 30_000 });
    expect(await panel().getByLabel('Run to probe').locator('option').allTextContents()).toEqual(['radiology', 'histopathology']);
    expect(await panel().getByLabel('What to probe').locator('option').allTextContents()).toEqual([
      'dataset label',
      'metadata: modality',
      'metadata: body_part',
      'metadata: synthetic',
      'metadata: id',
    ]);
  });

  it('shows the busy state while probing and cancels without storing anything', async () => {
    // The probe call is held in the browser until Cancel, so the busy state is there to be seen and cancelled.
    const held: Route[] = [];
    await page().route('**/api/probeRun', (route) => void held.push(route));
    await panel().getByRole('button', { name: 'Probe', exact: true }).click();
    await panel().getByTestId('probe-busy').waitFor();
    expect(await panel().getByRole('button', { name: 'Probe', exact: true }).isDisabled()).toBe(true);
    await snapSizes(page(), 'probing-busy');
    await panel().getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => panel().getByTestId('probe-note').textContent()).toBe('Cancelled: nothing was stored.');
    await page().unroute('**/api/probeRun');
    await Promise.all(held.map((route) => route.abort().catch(() => undefined)));
    expect(await storedProbes()).toEqual([]);
  });

  it('refuses too many folds for the smallest class with the engine’s message', async () => {
    await panel().getByLabel('Run to probe').selectOption('histopathology');
    await panel().getByLabel('Cross-validation folds').fill('10');
    await panel().getByRole('button', { name: 'Probe', exact: true }).click();
    await expect.poll(() => panel().getByRole('alert').textContent(), { timeout: 30_000 }).toMatch(/Class \S+ has \d+ samples?, fewer than the 10 cross-validation folds/);
  });

  it('probes a run and draws what the history stores: accuracy, baselines, marks, confusion matrix and table', async () => {
    await panel().getByLabel('Run to probe').selectOption('radiology');
    await panel().getByLabel('Cross-validation folds').fill('3');
    await panel().getByRole('button', { name: 'Probe', exact: true }).click();
    await panel().locator('[data-testid="plot-probe-accuracy"] .main-svg').first().waitFor({ timeout: 60_000 });
    const [probe] = await storedProbes();
    if (probe === undefined) throw new Error('no probe was stored');
    expect(probe).toMatchObject({ run: { experimentId: '1', runName: 'radiology' }, labelField: null, folds: 3, samples: 24 });

    // The export the CLI writes from the history holds the same numbers the chart and table show.
    const exported = runCli(['export', '1', '--format', 'probing-csv'], workbench.scratch);
    expect(exported.status, exported.stderr).toBe(0);
    const rows = parse(exported.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [Number(row['layer']), Number(row['accuracy'])])).toEqual(probe.layers.map((layer) => [layer.layer, layer.accuracy]));

    const traces = await tracesOf(page(), 'plot-probe-accuracy');
    const trace = (name: string) => traces.find((candidate) => candidate.name === name);
    expect(trace('Probe accuracy')?.y).toEqual(rows.map((row) => Number(row['accuracy'])));
    expect(trace('Majority class')?.y).toEqual(rows.map((row) => Number(row['majority_accuracy'])));
    expect(trace('Control task')?.y).toEqual(rows.map((row) => Number(row['control_accuracy'])));
    expect(trace('95% CI')?.y?.slice(0, rows.length)).toEqual(rows.map((row) => Number(row['accuracy_ci_high'])));
    expect(trace('Best layer')?.x).toEqual([probe.bestLayer]);
    expect(trace('Earliest within 1 SE')?.x).toEqual([probe.earliestWithinOneSe]);
    const beyond = rows.filter((row) => row['beyond_chance'] === '1').map((row) => Number(row['layer']));
    expect(trace(`Beyond chance (Holm p < ${probe.significanceLevel})`)?.x ?? []).toEqual(beyond);
    expect(await panel().getByTestId('probe-findings').textContent()).toContain(`Best layer ${probe.bestLayer}`);

    // The table: one row per layer, Holm p starred where the layer is beyond chance.
    const tableRows = panel().getByTestId('probe-table').locator('tbody tr');
    expect(await tableRows.count()).toBe(probe.layers.length);
    for (const [k, layer] of probe.layers.entries()) {
      const cells = await tableRows.nth(k).locator('td').allTextContents();
      expect(cells.slice(0, 2)).toEqual([String(layer.layer), `${layer.accuracy.toFixed(3)} [${layer.accuracyCi.low.toFixed(3)}–${layer.accuracyCi.high.toFixed(3)}]`]);
      expect(cells[6]).toBe(layer.selectivity.toFixed(3));
      expect(cells[7]?.endsWith(' *')).toBe(probe.layersBeyondChance.includes(layer.layer));
    }

    // The confusion matrix follows the chosen layer: the best one first, then any other.
    const confusionAt = async (layer: number) => {
      await expect.poll(async () => (await tracesOf(page(), 'plot-probe-confusion'))[0]?.z, { timeout: 10_000 }).toEqual(probe.layers.find((entry) => entry.layer === layer)?.confusion);
    };
    await confusionAt(probe.bestLayer);
    const other = probe.layers.find((entry) => entry.layer !== probe.bestLayer)?.layer ?? probe.bestLayer;
    await panel().getByLabel('Layer of the confusion matrix').selectOption(String(other));
    await confusionAt(other);
    expect((await tracesOf(page(), 'plot-probe-confusion'))[0]?.x).toEqual(probe.classes);

    await page().getByTestId('probing-panel').scrollIntoViewIfNeeded();
    for (const [width, height] of [
      [1280, 800],
      [1920, 1080],
    ] as const) {
      await page().setViewportSize({ width, height });
      await expect.poll(() => page().evaluate<boolean>(PROBE_PLOTS_FIT), { timeout: 10_000 }).toBe(true);
      expect(await page().evaluate<string[]>(OVERFLOW), `Results at ${width}`).toEqual([]);
      expect(await page().evaluate<string[]>(LEGEND_OVER_TITLE), `Results at ${width}`).toEqual([]);
      // The panel alone, large enough to read (the full-page shots below hold the whole screen).
      await panel().screenshot({ path: path.join(screenshotDir, `probing-panel-${width}x${height}.png`) });
    }
    await snapSizes(page(), 'probing-result');
  });

  it('shows the stored probe again after a reload', async () => {
    const [probe] = await storedProbes();
    await page().reload();
    await nav('Results');
    await expect.poll(() => page().getByTestId('results-summary').textContent(), { timeout: 30_000 }).toContain('Experiment 1 ');
    await panel().locator('[data-testid="plot-probe-accuracy"] .main-svg').first().waitFor({ timeout: 30_000 });
    expect(await panel().getByTestId('probe-findings').textContent()).toContain(`Best layer ${probe?.bestLayer}`);
    expect((await tracesOf(page(), 'plot-probe-accuracy')).find((trace) => trace.name === 'Probe accuracy')?.y).toEqual(probe?.layers.map((layer) => layer.accuracy));
  });

  it('exports the stored probes from the Export screen as the CLI does', async () => {
    await nav('Export');
    const [file] = await Promise.all([page().waitForEvent('download'), page().getByTestId('export-probingCsv').click()]);
    expect(file.suggestedFilename()).toBe('experiment-1-probing.csv');
    const exported = runCli(['export', '1', '--format', 'probing-csv'], workbench.scratch);
    expect(readFileSync((await file.path()) as string, 'utf8')).toBe(exported.stdout);
    expect(consoleErrors.join('\n')).toBe('');
  });
});
