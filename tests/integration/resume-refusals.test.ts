import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/store/open-store.js';
import type { VectorPolicy } from '../../src/store/vector-policy.js';
import { cli, cliError, committedSamples, QUICK_RUN, spawnCli } from '../fixtures/cli-history/cli.js';
import { CLI_BIN } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let work: TempDir;

beforeAll(() => {
  work = makeTempDir('cli-history');
});

afterAll(() => work.remove());

/** An interrupted experiment as the store records it, with the given vector policy. */
function interruptedExperiment(dbPath: string, vectorPolicy: VectorPolicy): number {
  const store = openHistoryStore(dbPath);
  try {
    const id = store.createExperiment({ name: 'activation_compare', config: {}, vectorPolicy });
    store.finishExperiment(id, { status: 'interrupted', endedAt: new Date(), durationS: 1 });
    return id;
  } finally {
    store.close();
  }
}

describe('cotlab-wb resume refuses what it cannot continue', () => {
  it('names the reason: unknown id, completed, imported, vectors not kept', async () => {
    const dbPath = work.path('refusals.sqlite');
    await cli(['run', ...QUICK_RUN, '--out', work.path('done'), '--db', dbPath]);
    expect(await cliError(['resume', '1', '--db', dbPath])).toBe(
      `Cannot resume experiment 1: it has already completed and its report is in ${work.path('done')} (give --out DIR to write it again elsewhere).`,
    );
    expect(await cliError(['resume', '99', '--db', dbPath])).toBe(
      `Could not find experiment "99" (history database ${dbPath}): the requested item is not in the history (no experiment "99").`,
    );
    const means = interruptedExperiment(dbPath, 'means');
    expect(await cliError(['resume', String(means), '--db', dbPath])).toBe(
      `Cannot resume experiment ${means}: it kept run means only (--store-vectors), so the samples done so far cannot be reused; run it again instead.`,
    );
    const someLayers = interruptedExperiment(dbPath, { layers: [0, 3] });
    expect(await cliError(['resume', String(someLayers), '--db', dbPath])).toContain(
      'it kept the vectors of layers 0, 3 only (--store-vectors)',
    );
  });
});

describe('Ctrl+C during a run', () => {
  it('stops after the current sample, exits with 130, keeps the experiment as interrupted, and resume finishes it', async () => {
    const dbPath = work.path('sigint.sqlite');
    const child = spawn(process.execPath, [CLI_BIN, 'run', 'experiment.num_samples=10', '--no-progress', '--out', work.path('sigint'), '--db', dbPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    while (committedSamples(dbPath) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(130);
    expect(stderr).toMatch(
      new RegExp(`Stopped after \\d+ samples; experiment 1 is kept in the history as interrupted\\. Continue it with: cotlab-wb resume 1 --db ${dbPath}`),
    );
    const store = openHistoryStore(dbPath);
    try {
      expect(store.getExperiment(1)).toMatchObject({ status: 'interrupted', error: 'stopped on request' });
    } finally {
      store.close();
    }
    const resumed = await spawnCli(['resume', '1', '--no-progress', '--db', dbPath]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const history = await cli(['history', '--json', '--db', dbPath]);
    expect(JSON.parse(history.stdout)).toMatchObject([{ id: 1, status: 'completed', samples: 20 }]);
  });
});
