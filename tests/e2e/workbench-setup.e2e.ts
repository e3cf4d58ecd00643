import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryReader } from '../../src/store/open-store.js';
import { openWorkbench, repoRoot, snapSizes, type Workbench } from './workbench-harness.js';

const HARE_FIXTURE = path.join(repoRoot, 'tests/fixtures/datasets/hare-basic.tsv');

interface ResultsJson {
  metadata: { config: { prompt: Record<string, unknown>; experiment: { variants: { name: string; prompt: Record<string, unknown> }[] } } };
  raw_outputs: { comparisons: { layer_cosine_similarity: number[]; layer_l2_distance: number[] }[]; runs: { mean_activation_norms: number[] }[] }[];
}

/** A table long enough that a run of all its samples is still going when the test acts on it (reload, cancel). */
function writeLongDataset(file: string, rows: number): void {
  const words = 'specimen shows invasive carcinoma with clear margins and no lymphovascular invasion noted in the sections examined'.split(' ');
  const lines = ['text\tlabel'];
  for (let row = 0; row < rows; row++) {
    const text = Array.from({ length: 60 }, (_, k) => words[(row * 7 + k * 3) % words.length]).join(' ');
    lines.push(`${row}: ${text}\t${row % 3}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('setting up a run in a real browser against serve (each test on a fresh server and history)', () => {
  let workbench: Workbench;
  let page: Page;
  const pageErrors: string[] = [];

  beforeEach(async () => {
    pageErrors.length = 0;
    workbench = await openWorkbench();
    page = workbench.page;
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(workbench.server.url);
  });

  afterEach(async () => {
    await workbench?.close();
    expect(pageErrors).toEqual([]);
  });

  // A running experiment adds its percentage to the Experiment button's name.
  const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name}\\b`) }).click();
  const runButton = () => page.getByRole('button', { name: 'Run experiment' });
  const stateLabel = () => page.locator('.progress .state-label').textContent();

  /** The Experiment screen once the defaults, the model check and both default variants are there. */
  const experimentReady = async () => {
    await nav('Experiment');
    await expect.poll(() => page.getByTestId('variant-row').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('model-line').textContent(), { timeout: 30_000 }).toMatch(/6 layers/);
  };

  const runAndWait = async (total: number) => {
    await expect.poll(() => runButton().isEnabled(), { timeout: 30_000 }).toBe(true);
    await runButton().click();
    const progress = page.getByRole('progressbar');
    await expect.poll(async () => `${await progress.getAttribute('aria-valuemax')} ${await stateLabel()}`, { timeout: 120_000 }).toBe(`${total} completed`);
  };

  const openByPath = async (file: string) => {
    await nav('Datasets');
    await page.getByLabel('Path on the workbench machine').fill(file);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
  };

  it('starts from the engine defaults and records the prompt options set in the UI in results.json and the history', async () => {
    await experimentReady();
    // The form shows the configs' default experiment, not renderer constants.
    expect(await page.getByLabel('Pooling').inputValue()).toBe('mean');
    expect(await page.getByLabel('Variant 1 samples').inputValue()).toBe('20');
    expect(await page.getByLabel('Variant 1 seed').inputValue()).toBe('42');
    expect(await page.getByLabel('Variant 1 few-shot').isChecked()).toBe(true);
    for (const n of [1, 2]) await page.getByLabel(`Variant ${n} samples`).fill('3');
    await runAndWait(6);

    // Output format and contrarian through the Prompts screen, applied visibly to variant 1 ...
    await nav('Prompts');
    await expect.poll(() => page.getByTestId('token-count').textContent(), { timeout: 30_000 }).toMatch(/^\d+ tokens$/);
    await page.getByRole('combobox', { name: 'Variant', exact: true }).selectOption({ label: '1: histopathology' });
    await page.getByLabel('Output format').selectOption('yaml');
    await page.getByLabel('Contrarian (skeptical) reasoning').check();
    const status = page.getByTestId('prompt-apply-status');
    await expect.poll(() => status.textContent()).toBe('Not applied: variant histopathology runs with histopathology, json, few-shot.');
    await expect.poll(() => page.getByTestId('prompt-text').textContent(), { timeout: 30_000 }).toMatch(/yaml|YAML/);
    await snapSizes(page, 'setup-prompts-apply');
    await page.getByRole('button', { name: 'Apply to variant histopathology' }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('Variant histopathology runs with this prompt.');
    // ... and few-shot off in the Experiment form, which shows the whole choice.
    await nav('Experiment');
    expect(await page.getByLabel('Variant 1 output format').inputValue()).toBe('yaml');
    expect(await page.getByLabel('Variant 1 contrarian').isChecked()).toBe(true);
    await page.getByLabel('Variant 1 few-shot').uncheck();
    await snapSizes(page, 'setup-experiment-options');
    await runAndWait(6);

    const exported = (await workbench.api('exportReport', { experimentId: '2', format: 'json' })) as { content: string };
    const results = JSON.parse(exported.content) as ResultsJson;
    const chosen = { output_format: 'yaml', few_shot: false, answer_first: false, contrarian: true };
    expect(results.metadata.config.prompt).toMatchObject(chosen);
    expect(results.metadata.config.experiment.variants[0]?.prompt).toMatchObject(chosen);
    expect(results.metadata.config.experiment.variants[1]?.prompt).toMatchObject({ output_format: 'json', few_shot: true, contrarian: false });

    const history = openHistoryReader(path.join(workbench.scratch, 'history.sqlite'));
    try {
      const stored = history.getExperiment(2);
      expect(stored.runs[0]?.promptOptions).toMatchObject(chosen);
      // The report folder holds the same results.json and config.json.
      const onDisk = JSON.parse(readFileSync(path.join(stored.outputDir ?? '', 'results.json'), 'utf8')) as ResultsJson;
      expect(onDisk.metadata.config.prompt).toMatchObject(chosen);
      const config = JSON.parse(readFileSync(path.join(stored.outputDir ?? '', 'config.json'), 'utf8')) as { prompt: Record<string, unknown> };
      expect(config.prompt).toMatchObject(chosen);
    } finally {
      history.close();
    }
    expect(await workbench.api('experimentSettings', { id: '2' })).toMatchObject({
      pooling: 'mean',
      variants: [{ prompt: { options: { fewShot: false, answerFirst: false, contrarian: true, outputFormat: 'yaml' } } }, { prompt: { options: { fewShot: true } } }],
    });

    // The same samples and seed under another prompt give other numbers than the default run.
    const baseline = JSON.parse(((await workbench.api('exportReport', { experimentId: '1', format: 'json' })) as { content: string }).content) as ResultsJson;
    expect(baseline.metadata.config.prompt).toMatchObject({ output_format: 'json', few_shot: true, contrarian: false });
    expect(results.raw_outputs[0]?.runs[0]?.mean_activation_norms).not.toEqual(baseline.raw_outputs[0]?.runs[0]?.mean_activation_norms);
    expect(results.raw_outputs[0]?.comparisons[0]?.layer_cosine_similarity).not.toEqual(baseline.raw_outputs[0]?.comparisons[0]?.layer_cosine_similarity);
    expect(results.raw_outputs[0]?.runs[1]?.mean_activation_norms).toEqual(baseline.raw_outputs[0]?.runs[1]?.mean_activation_norms);
  });

  it('detects a file format from its content, lists only files with samples, with their labels, under unique names', async () => {
    await page.getByTestId('dataset-card-counts').first().waitFor();
    // The HARE layout (quoted multi-line reports) opened by path: detected, with its samples and labels.
    await openByPath(HARE_FIXTURE);
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('hare-basic 6 samples');
    expect(await page.getByTestId('dataset-detected').textContent()).toContain('HARE annotation TSV (HARE annotation table: the header has ground_truth, 0..3 and Scoring 0..3)');
    expect(await page.getByTestId('dataset-labels').textContent()).toMatch(/^Labels: 0: \d+/);
    const opened = page.getByRole('list', { name: 'Opened datasets' }).getByRole('listitem');
    await expect.poll(() => opened.count()).toBe(1);
    expect(await opened.first().textContent()).toMatch(/hare-basic6 samples · labels 0: \d+/);

    // The researcher may read it otherwise; the screen says what the file looks like.
    await page.getByRole('group', { name: 'Column mapping' }).getByLabel('Format').selectOption('delimited');
    await expect.poll(() => page.getByTestId('dataset-format-mismatch').textContent(), { timeout: 30_000 }).toContain('This file looks like HARE annotation TSV');
    await page.getByRole('button', { name: 'Read it as detected' }).click();
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('hare-basic 6 samples');
    await snapSizes(page, 'setup-datasets-detected');

    // A file with no usable samples, and one of no known layout, are refused with the reason, not listed.
    await openByPath(path.join(repoRoot, 'tests/fixtures/datasets/hare-no-usable-samples.tsv'));
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toMatch(/hare-no-usable-samples\.tsv: no usable samples/);
    await openByPath(path.join(repoRoot, 'tests/fixtures/datasets/radiology-not-array.json'));
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toMatch(/radiology-not-array\.json: this JSON file is not the radiology layout/);
    expect(await opened.count()).toBe(1);
    await snapSizes(page, 'setup-datasets-refused');

    // The browser's file picker: the file keeps its own name; another file of that name gets a suffix.
    const picker = page.getByLabel('Choose a dataset file');
    const notes = (text: string) => ({ name: 'notes.tsv', mimeType: 'text/tab-separated-values', buffer: Buffer.from(`report\tlabel\n${text}`) });
    await picker.setInputFiles(notes('First report.\t1\nSecond report.\t0\n'));
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('notes 2 samples');
    expect(await page.getByTestId('dataset-detected').textContent()).toContain('text from "report"; label from "label"');
    await picker.setInputFiles(notes('Another report.\t1\n'));
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('notes-2 1 samples');
    await picker.setInputFiles(notes('First report.\t1\nSecond report.\t0\n'));
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('notes 2 samples');
    expect(await opened.locator('strong').allTextContents()).toEqual(['hare-basic', 'notes', 'notes-2']);

    // Every opened dataset can be picked for a variant, under its own name.
    await nav('Experiment');
    await expect.poll(() => page.getByTestId('variant-row').count(), { timeout: 30_000 }).toBe(2);
    const options = await page.getByLabel('Variant 1 dataset').locator('option').allTextContents();
    expect(options).toEqual(['histopathology (78)', 'radiology (60)', 'hare-basic (6)', 'notes (2)', 'notes-2 (1)']);
  });

  it('keeps the workspace over a reload and a restart of serve, and reopens the result', async () => {
    await openByPath(HARE_FIXTURE);
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('hare-basic 6 samples');
    await experimentReady();
    await page.getByLabel('Variant 2 dataset').selectOption({ label: 'hare-basic (6)' });
    await page.getByLabel('Variant 2 name').fill('hare_kept');
    for (const n of [1, 2]) await page.getByLabel(`Variant ${n} samples`).fill('2');
    await page.getByLabel('Variant 1 contrarian').check();
    await runAndWait(4);
    await page.getByRole('button', { name: 'Open results' }).click();
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Results');

    const expectKept = async () => {
      await expect.poll(() => page.getByRole('list', { name: 'Opened datasets' }).textContent(), { timeout: 30_000 }).toContain('hare-basic');
      await experimentReady();
      expect(await page.getByLabel('Variant 2 name').inputValue()).toBe('hare_kept');
      expect(await page.getByLabel('Variant 2 dataset').locator('option:checked').textContent()).toBe('hare-basic (6)');
      expect(await page.getByLabel('Variant 1 contrarian').isChecked()).toBe(true);
      expect(await page.getByLabel('Variant 1 samples').inputValue()).toBe('2');
      expect(await stateLabel()).toBe('completed');
      await nav('Results');
      await expect.poll(() => page.locator('main').textContent(), { timeout: 30_000 }).toContain('hare_kept');
    };
    await page.reload();
    await expectKept();
    await workbench.restartServer();
    await page.goto(workbench.server.url);
    await expectKept();
  });

  it('re-attaches a running experiment after a reload, cancels it, and resumes it showing its own settings', async () => {
    const long = path.join(workbench.scratch, 'long-notes.tsv');
    writeLongDataset(long, 4000);
    await openByPath(long);
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('long-notes 4000 samples');
    await experimentReady();
    await page.getByLabel('Variant 1 dataset').selectOption({ label: 'long-notes (4000)' });
    await page.getByLabel('Variant 1 name').fill('long_run');
    await page.getByLabel('Variant 1 samples').fill('all');
    await page.getByLabel('Variant 2 samples').fill('2');
    await runButton().click();
    const progress = page.getByRole('progressbar');
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 60_000 }).toBeGreaterThan(0);

    await page.reload();
    await nav('Experiment');
    // The run is back with its progress, the form it was started from is locked, and Cancel works.
    await expect.poll(() => stateLabel(), { timeout: 30_000 }).toBe('running');
    await expect.poll(async () => Number(await progress.getAttribute('aria-valuemax')), { timeout: 30_000 }).toBe(4002);
    expect(await page.getByTestId('form-locked-note').count()).toBe(1);
    expect(await page.getByLabel('Variant 1 name').isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId('model-line').textContent(), { timeout: 30_000 }).toMatch(/6 layers/);
    await snapSizes(page, 'setup-experiment-reattached');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => stateLabel(), { timeout: 60_000 }).toBe('cancelled');
    expect(Number(await progress.getAttribute('aria-valuenow'))).toBeLessThan(4002);

    // A new draft, then the interrupted experiment resumed from the History: the form shows what experiment 1 recorded.
    await page.getByLabel('Variant 1 name').fill('draft_only');
    await nav('History');
    await page.getByRole('button', { name: 'Resume experiment 1' }).click();
    await expect.poll(() => page.locator('main h1').textContent(), { timeout: 60_000 }).toBe('Experiment');
    const recorded = page.getByTestId('recorded-settings');
    await expect.poll(() => recorded.getByLabel('Variant 1 name').inputValue(), { timeout: 30_000 }).toBe('long_run');
    expect(await recorded.getByLabel('Variant 1 samples').inputValue()).toBe('all');
    expect(await recorded.getByLabel('Variant 1 name').isDisabled()).toBe(true);
    expect(await page.getByTestId('recorded-settings-note').textContent()).toContain('Experiment 1');
    await snapSizes(page, 'setup-experiment-resumed');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await expect.poll(() => stateLabel(), { timeout: 60_000 }).toMatch(/cancelled|completed/);
    await page.getByRole('button', { name: 'Show my draft' }).click();
    expect(await page.getByLabel('Variant 1 name').inputValue()).toBe('draft_only');
  });

  it('checks the form before Run, in words, and clears an old error when the form changes', async () => {
    await experimentReady();
    const blockers = page.getByTestId('run-blockers');
    await expect.poll(() => runButton().isEnabled(), { timeout: 30_000 }).toBe(true);

    await page.getByLabel('Layers').fill('4-9');
    await expect.poll(() => blockers.textContent()).toBe('Before this can run:Layers 6, 7, 8 and 9 do not exist: this model has 6 layers, numbered 0 to 5.');
    expect(await runButton().isDisabled()).toBe(true);
    await page.getByLabel('Layers').fill('0-5');

    await page.getByLabel('Variant 1 seed').fill('9007199254740992');
    await page.getByLabel('Variant 2 name').fill('histopathology');
    await expect.poll(() => blockers.locator('li').allTextContents()).toEqual([
      'Variant "histopathology": the seed must be a whole number from -9007199254740991 to 9007199254740991 ("9007199254740992" is not); set a larger seed with experiment.seed in a config or on the command line.',
      'Two variants are named "histopathology": give each variant its own name.',
    ]);
    expect(await page.getByLabel('Variant 1 seed').getAttribute('aria-invalid')).toBe('true');
    await snapSizes(page, 'setup-experiment-blockers');
    await page.getByLabel('Variant 1 seed').fill('-7');
    await page.getByLabel('Variant 2 name').fill('radiology');
    await expect.poll(() => blockers.count()).toBe(0);

    // 0 (or less) takes the whole dataset, as the README says; more than the dataset has is capped, and said so.
    await page.getByLabel('Variant 1 samples').fill('0');
    await page.getByLabel('Variant 2 samples').fill('500');
    await expect.poll(() => page.getByTestId('run-notes').textContent()).toBe('Variant "radiology" asks for 500 samples; radiology has 60, so it will use all 60.');
    expect(await runButton().isEnabled()).toBe(true);

    // A model folder that fails inspection blocks Run with the reason.
    await nav('Model');
    await page.getByLabel('Model folder (empty: bundled demo model)').fill(path.join(repoRoot, 'tests/fixtures/datasets'));
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => page.getByTestId('model-status').textContent(), { timeout: 30_000 }).toBe('Problems found');
    await nav('Experiment');
    await expect.poll(() => blockers.textContent()).toContain(`The model folder ${path.join(repoRoot, 'tests/fixtures/datasets')} cannot be used:`);
    expect(await runButton().isDisabled()).toBe(true);
    await nav('Model');
    await page.getByRole('button', { name: 'Use the bundled demo model' }).click();
    await expect.poll(() => page.getByTestId('model-status').textContent(), { timeout: 30_000 }).toBe('OK');

    // The server's refusal is shown in words and goes away once the form changes.
    const vanishing = path.join(workbench.scratch, 'vanishing.tsv');
    writeFileSync(vanishing, 'text\tlabel\nOne note.\t1\nTwo notes.\t0\n');
    await openByPath(vanishing);
    await expect.poll(() => page.getByTestId('dataset-title').textContent(), { timeout: 30_000 }).toBe('vanishing 2 samples');
    await experimentReady();
    await page.getByLabel('Variant 1 dataset').selectOption({ label: 'vanishing (2)' });
    await page.getByLabel('Variant 1 samples').fill('2');
    await page.getByLabel('Variant 2 samples').fill('2');
    rmSync(vanishing);
    expect(existsSync(vanishing)).toBe(false);
    await expect.poll(() => runButton().isEnabled(), { timeout: 30_000 }).toBe(true);
    await runButton().click();
    const failure = page.getByRole('alert').filter({ hasText: 'vanishing.tsv' });
    await expect.poll(() => failure.count(), { timeout: 60_000 }).toBe(1);
    expect(await failure.textContent()).not.toMatch(/variants\.\d/);
    await page.getByLabel('Variant 1 seed').fill('43');
    await expect.poll(() => failure.count(), { timeout: 10_000 }).toBe(0);
  });
});
