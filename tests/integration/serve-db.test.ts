import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/serve/http.js';
import { serveCommand } from '../../src/serve/serve-command.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { runCli } from '../helpers/cli.js';
import { scratchEngineOptions } from '../helpers/engine-options.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { newExperiment } from '../fixtures/store/sample-data.js';

let work: TempDir | null = null;
let server: RunningServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
  work?.remove();
  work = null;
});

describe('serve --db', () => {
  it('serves the history named with --db instead of the default one', async () => {
    work = makeTempDir('serve-db');
    const chosen = work.path('chosen.sqlite');
    const store = openHistoryStore(chosen);
    store.createExperiment(newExperiment({ modelName: 'model-in-the-chosen-history' }));
    store.close();
    writeFileSync(work.path('index.html'), '<!doctype html>');
    const lines: string[] = [];
    server = await serveCommand({ port: 0, rendererDir: work.dir, engine: scratchEngineOptions(work.dir, 'default'), dbPath: chosen, print: (line) => lines.push(line) });
    expect(lines).toContain(`History: ${chosen} (--db).`);
    const token = new URL(server.url).searchParams.get('token') ?? '';
    const response = await fetch(`http://127.0.0.1:${server.port}/api/listExperiments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-cotlab-token': token },
      body: '{}',
    });
    const page = (await response.json()) as { items: Array<{ model: string }> };
    expect(page.items.map((item) => item.model)).toEqual(['model-in-the-chosen-history']);
  });

  it('is offered on the command line like every other history command', () => {
    work = makeTempDir('serve-db-help');
    const help = runCli(['serve', '--help'], work.dir);
    expect(help.stdout).toMatch(/--db <path>\s+experiment history database/);
  });
});
