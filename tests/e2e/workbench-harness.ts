import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { serveCommand } from '../../src/serve/serve-command.js';
import type { RunningServer } from '../../src/serve/http.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(repoRoot, 'tests/e2e/screenshots');

/** Chromium flags for this closed network: no sandbox (root in CI), no GPU, no background connections. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Workbench {
  server: RunningServer;
  context: BrowserContext;
  page: Page;
  /** The throwaway folder holding the history (history.sqlite), uploads and report folders. */
  scratch: string;
  /** Stops serve and starts it again on the same port with the same history (a new token, as a real restart). */
  restartServer(): Promise<void>;
  /** Calls the API as the page does, with the current token; throws on an error answer. */
  api(method: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts `serve` on the demo model with a throwaway history and opens it in Chromium (global-setup.ts built both). */
export async function openWorkbench(): Promise<Workbench> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-e2e-'));
  mkdirSync(screenshotDir, { recursive: true });
  const engine = scratchEngineOptions(scratch, 'e2e');
  // Files are opened by path from the bundled data, the test fixtures and the scratch folder, as `--data-root` allows.
  const dataRoots = [path.join(repoRoot, 'data'), path.join(repoRoot, 'tests/fixtures'), scratch];
  const server = await serveCommand({ port: 0, print: () => undefined, engine, dataRoots });
  const context = await chromium.launchPersistentContext(path.join(scratch, 'chromium-profile'), {
    executablePath: process.env['CHROMIUM_PATH'],
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const workbench: Workbench = {
    server,
    context,
    page,
    scratch,
    async restartServer() {
      const { port } = workbench.server;
      await workbench.server.close();
      workbench.server = await serveCommand({ port, print: () => undefined, engine, dataRoots });
    },
    async api(method, body = {}) {
      const token = new URL(workbench.server.url).searchParams.get('token') ?? '';
      const response = await fetch(`http://127.0.0.1:${workbench.server.port}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cotlab-token': token },
        body: JSON.stringify(body),
      });
      const answer: unknown = await response.json();
      if (!response.ok) throw new Error(`${method} answered ${response.status}: ${JSON.stringify(answer)}`);
      return answer;
    },
    async close() {
      await context.close();
      await workbench.server.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  return workbench;
}

export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Screenshots at the two sizes the workbench is checked at (1280x800 and 1920x1080), then back to 1280x800. */
export async function snapSizes(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1920, 1080],
    [1280, 800],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: path.join(screenshotDir, `${name}-${width}x${height}.png`), fullPage: true });
  }
}

/** Whether any plot legend's box overlaps an axis title's box (legends must never cover them). */
export const LEGEND_OVER_TITLE = `(() => {
  const boxes = (plot, selector) => [...plot.querySelectorAll(selector)].map((el) => el.getBoundingClientRect()).filter((box) => box.width > 0);
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return [...document.querySelectorAll('.plot')].flatMap((plot) => {
    const legends = boxes(plot, '.legend .bg');
    const titles = boxes(plot, '.g-xtitle text, .g-ytitle text');
    return legends.some((legend) => titles.some((title) => overlap(legend, title))) ? [plot.getAttribute('aria-label')] : [];
  });
})()`;

/**
 * What sticks out: the page wider than the window, panels whose content is wider than the panel, or tables that
 * need a horizontal scroll bar to be read.
 */
export const OVERFLOW = `(() => {
  const page = document.scrollingElement.scrollWidth > window.innerWidth + 1 ? ['page'] : [];
  const boxes = [...document.querySelectorAll('main .panel, main .callout, main .screen-header, main .grid-scroll, main .table-scroll')]
    .filter((box) => box.scrollWidth > box.clientWidth + 1)
    .map((box) => (box.closest('.panel')?.querySelector('h2, h1')?.textContent ?? box.className) + ': ' + box.className + ' (' + box.scrollWidth + ' > ' + box.clientWidth + ')');
  return [...page, ...boxes];
})()`;
