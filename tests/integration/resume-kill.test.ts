import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryStore } from '../../src/store/open-store.js';
import { cli, committedSamples, readResults, spawnCli } from '../fixtures/cli-history/cli.js';
import { CLI_BIN } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

// 2 runs x 8 samples: enough room for several kills, yet the whole test stays well under a minute on 2 cores.
const SAMPLES_PER_RUN = 8;
const TOTAL_SAMPLES = 2 * SAMPLES_PER_RUN;
const RUN_ARGS = [`experiment.num_samples=${SAMPLES_PER_RUN}`, '--no-progress'];
const TOLERANCE = 1e-6;

let work: TempDir;
let child: ChildProcess | null = null;

beforeAll(() => {
  work = makeTempDir('cli-history');
});

afterEach(() => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = null;
});

afterAll(() => work.remove());

interface DbState {
  integrity: string;
  stored: number;
  /** Every stored vector, keyed `run:position:layer`, as raw bytes. */
  vectors: Map<string, Buffer>;
  samplesWithoutAllVectors: number;
}

/** Reads the database with a separate read-only connection, as another program would. */
function readDb(dbPath: string): DbState {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT r.run_index, s.position, v.layer, v.vector FROM samples s JOIN runs r ON r.id = s.run_id
         JOIN sample_vectors v ON v.sample_id = s.id`,
      )
      .all() as { run_index: number; position: number; layer: number; vector: Buffer }[];
    const progress = db.prepare('SELECT coalesce(sum(completed_samples), 0) AS n FROM runs').get() as { n: number };
    const torn = db
      .prepare('SELECT count(*) AS n FROM samples s WHERE (SELECT count(*) FROM sample_vectors v WHERE v.sample_id = s.id) != 6')
      .get() as { n: number };
    return {
      integrity: db.pragma('integrity_check', { simple: true }) as string,
      stored: progress.n,
      vectors: new Map(rows.map((row) => [`${row.run_index}:${row.position}:${row.layer}`, row.vector])),
      samplesWithoutAllVectors: torn.n,
    };
  } finally {
    db.close();
  }
}

/**
 * Starts the CLI and SIGKILLs it once at least `threshold` samples are committed (at whatever point of its work it
 * then is). Resolves with whether it was killed (false: it finished first).
 */
async function killAfter(args: readonly string[], dbPath: string, threshold: number): Promise<boolean> {
  const process_ = spawn(process.execPath, [CLI_BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child = process_;
  let stderr = '';
  process_.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    process_.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let finished: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((result) => (finished = result));
  while (finished === null && committedSamples(dbPath) < threshold) await new Promise((resolve) => setTimeout(resolve, 10));
  if (finished === null) process_.kill('SIGKILL');
  const result = await exited;
  if (result.signal !== 'SIGKILL' && result.code !== 0) throw new Error(`cotlab-wb ${args.join(' ')} failed: ${stderr}`);
  return result.signal === 'SIGKILL';
}

/** Every number of `actual` within TOLERANCE of `expected`, every other value equal. */
function expectClose(actual: unknown, expected: unknown, path = 'results'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(Math.abs((actual as number) - expected), path).toBeLessThanOrEqual(TOLERANCE);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual) && actual.length === expected.length, path).toBe(true);
    expected.forEach((item, i) => expectClose((actual as unknown[])[i], item, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
  } else {
    expect(actual, path).toEqual(expected);
  }
}

describe('an experiment killed at random points and resumed', () => {
  it('keeps every committed sample intact and ends with the results of an uninterrupted run', async () => {
    const uninterrupted = work.path('a');
    await cli(['run', ...RUN_ARGS, '--out', uninterrupted, '--db', work.path('a.sqlite')]);

    const dbPath = work.path('b.sqlite');
    const resumed = work.path('b');
    expect(await killAfter(['run', ...RUN_ARGS, '--out', resumed, '--db', dbPath], dbPath, 3)).toBe(true);
    let kills = 1;
    let previous = readDb(dbPath);
    for (;;) {
      expect(previous.integrity).toBe('ok');
      expect(previous.samplesWithoutAllVectors).toBe(0);
      expect(previous.vectors.size).toBe(previous.stored * 6);
      const store = openHistoryStore(dbPath);
      const [listed] = store.listExperiments({ limit: 1 }).items;
      store.close();
      expect(listed?.status).toBe('interrupted');

      // Kill the resumed process again a few samples later, always before the last one so work is left.
      const next = previous.stored + 1 + Math.floor(Math.random() * 3);
      if (kills === 5 || next >= TOTAL_SAMPLES) break;
      expect(await killAfter(['resume', '1', '--no-progress', '--db', dbPath], dbPath, next)).toBe(true);
      kills += 1;
      const state = readDb(dbPath);
      expect(state.stored).toBeGreaterThanOrEqual(next);
      for (const [key, bytes] of previous.vectors) expect(state.vectors.get(key)?.equals(bytes), key).toBe(true);
      previous = state;
    }
    expect(kills).toBeGreaterThanOrEqual(3);

    // With no --out, resume writes where the experiment was started with.
    const finished = await spawnCli(['resume', '1', '--no-progress', '--db', dbPath]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout.trim()).toBe(resumed);
    expect(finished.stderr).toContain(`after ${previous.stored} stored samples`);
    const expected = readResults(uninterrupted);
    const actual = readResults(resumed);
    expectClose(actual.raw_outputs, expected.raw_outputs);
    expectClose(actual.divergence, expected.divergence);
    expect(readDb(dbPath).integrity).toBe('ok');
    const store = openHistoryStore(dbPath);
    try {
      expect(store.getExperiment(1)).toMatchObject({ status: 'completed', error: null });
    } finally {
      store.close();
    }
  });
});
