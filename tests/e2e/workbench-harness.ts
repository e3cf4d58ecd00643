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
  /** Stops serve and starts it again on the same history and files (a new port and token: open `server.url`). */
  restart(): Promise<RunningServer>;
  close(): Promise<void>;
}

/** Starts `serve` on the demo model with a throwaway history and opens it in Chromium (global-setup.ts built both). */
export async function openWorkbench(): Promise<Workbench> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'cotlab-e2e-'));
  mkdirSync(screenshotDir, { recursive: true });
  const serve = () => serveCommand({ port: 0, print: () => undefined, engine: scratchEngineOptions(scratch, 'e2e') });
  let server = await serve();
  const context = await chromium.launchPersistentContext(path.join(scratch, 'chromium-profile'), {
    executablePath: process.env['CHROMIUM_PATH'],
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    get server() {
      return server;
    },
    context,
    page,
    async restart() {
      await server.close();
      server = await serve();
      return server;
    },
    async close() {
      await context.close();
      await server.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}
