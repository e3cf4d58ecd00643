import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHistoryReader, openHistoryStore } from '../../src/store/open-store.js';
import { StoreError, type StoreErrorReason } from '../../src/store/store-error.js';
import { newExperiment, newRun, sampleToRecord, sampleVector, storedPositions } from '../fixtures/store/sample-data.js';
import { makeStoreTempDir, type StoreTempDir } from '../fixtures/store/temp-db.js';

const PROBE = join(import.meta.dirname, '..', 'fixtures', 'store', 'open-probe.ts');
/** Root ignores file permissions, so the read-only cases run their probe as the unprivileged `nobody` user. */
const NOBODY = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

let temp: StoreTempDir;

beforeEach(() => {
  temp = makeStoreTempDir();
});

afterEach(() => {
  temp.remove();
});

function openError(path: string, options: { readonly?: boolean; maxPageCount?: number } = {}): StoreError {
  try {
    if (options.readonly) openHistoryReader(path).close();
    else openHistoryStore(path, options).close();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected opening to fail');
}

function expectRefusal(error: StoreError, reason: StoreErrorReason, path: string): void {
  expect(error.reason).toBe(reason);
  expect(error.dbPath).toBe(path);
  expect(error.message).toContain(path);
  expect(error.message).not.toContain('\n');
}

/** A finished history with one experiment, one run and two samples; returns the ids. */
function seedHistory(path: string): { experimentId: number; runId: number } {
  const store = openHistoryStore(path);
  const experimentId = store.createExperiment(newExperiment());
  const runId = store.createRun(experimentId, newRun());
  store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
  store.recordSample(runId, sampleToRecord(1, [0, 1, 2]));
  store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 2 });
  store.close();
  return { experimentId, runId };
}

interface ProbeLine {
  step: string;
  ok?: boolean;
  reason?: string;
  message?: string;
  total?: number;
}

function runProbe(path: string, readonly: boolean): ProbeLine[] {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', PROBE, path, ...(readonly ? ['readonly'] : [])],
    { encoding: 'utf8', ...NOBODY },
  );
  expect(result.stderr).toBe('');
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as ProbeLine);
}

describe('files that are not our history are refused and left untouched', () => {
  it('a text file, however short', () => {
    for (const content of ['patient_id\tnotes\n1\tok\n', 'x']) {
      writeFileSync(temp.dbPath(), content);
      expectRefusal(openError(temp.dbPath()), 'not-sqlite', temp.dbPath());
      expect(readFileSync(temp.dbPath(), 'utf8')).toBe(content);
    }
  });

  it("another program's SQLite database", () => {
    const db = new Database(temp.dbPath());
    db.exec("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO patients VALUES (1, 'A')");
    db.close();
    const before = readFileSync(temp.dbPath());
    const error = openError(temp.dbPath());
    expectRefusal(error, 'foreign-schema', temp.dbPath());
    expect(error.message).toContain('another program');
    expect(readFileSync(temp.dbPath()).equals(before)).toBe(true);
  });

  it('an empty SQLite database that carries a version of its own', () => {
    const db = new Database(temp.dbPath());
    db.pragma('user_version = 3');
    db.close();
    const before = readFileSync(temp.dbPath());
    expectRefusal(openError(temp.dbPath()), 'foreign-schema', temp.dbPath());
    expect(readFileSync(temp.dbPath()).equals(before)).toBe(true);
  });

  it('a history written by a newer version of the app', () => {
    seedHistory(temp.dbPath());
    const db = new Database(temp.dbPath());
    db.pragma('user_version = 99');
    db.close();
    const before = readFileSync(temp.dbPath());
    const error = openError(temp.dbPath());
    expectRefusal(error, 'newer-schema', temp.dbPath());
    expect(error.message).toContain('schema version 99');
    expect(openError(temp.dbPath(), { readonly: true }).reason).toBe('newer-schema');
    expect(readFileSync(temp.dbPath()).equals(before)).toBe(true);
  });

  it('a read-only open of a missing file creates nothing', () => {
    expectRefusal(openError(temp.dbPath(), { readonly: true }), 'empty', temp.dbPath());
    expect(existsSync(temp.dbPath())).toBe(false);
  });
});

describe('damaged histories', () => {
  it('a damaged schema page is refused on open', () => {
    seedHistory(temp.dbPath());
    const damaged = readFileSync(temp.dbPath());
    // Bytes 100.. of page 1 are the sqlite_schema b-tree header: garbage there breaks every table lookup.
    damaged.fill(0xff, 100, 140);
    writeFileSync(temp.dbPath(), damaged);
    const error = openError(temp.dbPath());
    expectRefusal(error, 'corrupt', temp.dbPath());
    expect(error.message).toContain('damaged');
    expect(readFileSync(temp.dbPath()).equals(damaged)).toBe(true);
  });

  it('a damaged table page is reported when read, without changes to the file', () => {
    const { runId } = seedHistory(temp.dbPath());
    const db = new Database(temp.dbPath(), { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'samples'").get() as { rootpage: number };
    db.close();
    const damaged = readFileSync(temp.dbPath());
    // The first byte of a b-tree page is its type (2, 5, 10 or 13); 0xff is none of them.
    damaged.fill(0xff, (root.rootpage - 1) * pageSize, (root.rootpage - 1) * pageSize + 8);
    writeFileSync(temp.dbPath(), damaged);

    const store = openHistoryStore(temp.dbPath());
    let error: unknown;
    try {
      store.getRunSamples(runId);
    } catch (caught) {
      error = caught;
    } finally {
      store.close();
    }
    expect(error).toBeInstanceOf(StoreError);
    expectRefusal(error as StoreError, 'corrupt', temp.dbPath());
    expect(readFileSync(temp.dbPath()).equals(damaged)).toBe(true);
  });
});

describe('read-only files and folders', () => {
  it('a read-only history file: writing is refused, reading works and leaves no -wal or -shm behind, nothing changes', () => {
    seedHistory(temp.dbPath());
    chmodSync(temp.dbPath(), 0o444);
    // The folder stays writable: SQLite could create its -wal and -shm files there, and must not.
    chmodSync(temp.dir, 0o777);
    const before = readFileSync(temp.dbPath());

    const [writable] = runProbe(temp.dbPath(), false);
    expect(writable).toMatchObject({ step: 'open', ok: false, reason: 'read-only' });
    expect(writable?.message).toContain(temp.dbPath());

    expect(runProbe(temp.dbPath(), true)).toEqual([{ step: 'listed', total: 1 }]);
    expect(readdirSync(temp.dir)).toEqual(['history.sqlite']);
    expect(readFileSync(temp.dbPath()).equals(before)).toBe(true);
  });

  it('a history in a read-only folder: opening for writing is refused, reading works, nothing changes', () => {
    seedHistory(temp.dbPath());
    const before = readFileSync(temp.dbPath());
    chmodSync(temp.dir, 0o555);

    const [existing] = runProbe(temp.dbPath(), false);
    expect(existing).toMatchObject({ step: 'open', ok: false, reason: 'read-only' });
    const newPath = join(temp.dir, 'new-history.sqlite');
    const [created] = runProbe(newPath, false);
    expect(created).toMatchObject({ step: 'open', ok: false, reason: 'read-only' });
    expect(runProbe(temp.dbPath(), true)).toEqual([{ step: 'listed', total: 1 }]);

    expect(readdirSync(temp.dir)).toEqual(['history.sqlite']);
    expect(readFileSync(temp.dbPath()).equals(before)).toBe(true);
  });
});

describe('a full disk', () => {
  function pageCount(path: string): number {
    const db = new Database(path, { readonly: true });
    try {
      return db.pragma('page_count', { simple: true }) as number;
    } finally {
      db.close();
    }
  }

  it('refuses the sample that does not fit, keeping every earlier one whole', () => {
    const path = temp.dbPath();
    const store = openHistoryStore(path);
    const experimentId = store.createExperiment(newExperiment());
    const runId = store.createRun(experimentId, newRun());
    store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
    store.close();

    const capped = openHistoryStore(path, { maxPageCount: pageCount(path) });
    let error: unknown;
    try {
      // 3 x 16 KB of vectors cannot fit in a database that may not grow.
      capped.recordSample(runId, sampleToRecord(1, [0, 1, 2], 4096));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoreError);
    expectRefusal(error as StoreError, 'disk-full', path);
    expect((error as StoreError).message).toContain('free some space');
    expect(storedPositions(capped, runId)).toEqual([0]);
    expect(capped.getExperiment(experimentId).runs[0]?.completedSamples).toBe(1);
    expect(capped.getRunVectors(runId, 2)).toEqual([sampleVector(0, 2, 8)]);
    capped.close();

    const roomy = openHistoryStore(path);
    roomy.recordSample(runId, sampleToRecord(1, [0, 1, 2], 8));
    expect(storedPositions(roomy, runId)).toEqual([0, 1]);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    roomy.close();
  });

  it('refuses to create a history that does not fit', () => {
    expectRefusal(openError(temp.dbPath(), { maxPageCount: 1 }), 'disk-full', temp.dbPath());
  });
});
