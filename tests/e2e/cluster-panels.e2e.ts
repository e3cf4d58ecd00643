import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardDbPath } from '../../src/experiments/cluster-plan.js';
import { runShard } from '../../src/experiments/cluster-shard.js';
import { jobContextFor } from '../../src/services/engine-options.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { openWorkbench, screenshotDir, type Workbench } from './workbench-harness.js';

describe('the app plans an experiment for a cluster and imports the merged result', () => {
  let workbench: Workbench;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    workbench = await openWorkbench();
    page = workbench.page;
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(workbench.server.url);
  });

  afterAll(async () => {
    await workbench?.close();
    expect(pageErrors).toEqual([]);
  });

  const nav = (name: string) => page.getByRole('navigation').getByRole('button', { name: new RegExp(`^${name}\\b`) }).click();

  it('writes the draft as a plan, and after its shards are computed merges it into History', async () => {
    const planDir = path.join(workbench.scratch, 'plan');
    await nav('Experiment');
    await expect.poll(() => page.getByTestId('variant-row').count(), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => page.getByTestId('model-line').textContent(), { timeout: 30_000 }).toMatch(/6 layers/);
    await page.getByText('Plan for a cluster…').click();
    await page.getByTestId('plan-folder').fill(planDir);
    await page.getByTestId('plan-shards').fill('2');
    await page.getByRole('button', { name: 'Write plan' }).click();
    await expect.poll(() => page.getByTestId('plan-written').textContent(), { timeout: 30_000 }).toMatch(/Plan written to .*plan: \d+ samples in 2 shards/);
    await page.screenshot({ path: path.join(screenshotDir, 'cluster-plan.png'), fullPage: true });

    // The cluster's part: each shard computed into its own history file.
    const engine = scratchEngineOptions(workbench.scratch, 'e2e');
    for (const index of [0, 1]) {
      const store = openHistoryStore(shardDbPath(planDir, index));
      try {
        await runShard(planDir, index, store, jobContextFor(engine));
      } finally {
        store.close();
      }
    }

    await nav('History');
    await page.getByText('Import merged plan…').click();
    await page.getByTestId('merge-folder').fill(planDir);
    await page.getByRole('button', { name: 'Merge into the history' }).click();
    const outcome = page.getByTestId('plan-merged').or(page.getByTestId('import-merged-plan').getByRole('alert'));
    await expect.poll(() => outcome.textContent({ timeout: 60_000 }), { timeout: 60_000 }).toMatch(/Experiment 1: computed on 2 shards of cluster plan/);
    await expect.poll(() => page.getByTestId('history-grid').textContent(), { timeout: 30_000 }).toMatch(/completed/);
    await page.screenshot({ path: path.join(screenshotDir, 'cluster-import.png'), fullPage: true });
  }, 180_000);
});
