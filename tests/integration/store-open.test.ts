import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openHistoryStore } from '../../src/store/open-store.js';
import { HISTORY_APPLICATION_ID } from '../../src/store/schema.js';
import { newExperiment, newRun, sampleToRecord } from '../fixtures/store/sample-data.js';
import { makeStoreTempDir, type StoreTempDir } from '../fixtures/store/temp-db.js';

let temp: StoreTempDir;

beforeEach(() => {
  temp = makeStoreTempDir();
});

afterEach(() => {
  temp.remove();
});

function inspect(path: string): { tables: string[]; version: number; applicationId: number; journal: string } {
  const db = new Database(path, { readonly: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    ).map((row) => row.name);
    return {
      tables,
      version: db.pragma('user_version', { simple: true }) as number,
      applicationId: db.pragma('application_id', { simple: true }) as number,
      journal: db.pragma('journal_mode', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

describe('openHistoryStore', () => {
  it('creates the schema in a new file, making missing folders, in WAL mode', () => {
    const path = join(temp.dir, 'nested', 'deeper', 'history.sqlite');
    openHistoryStore(path).close();
    expect(inspect(path)).toEqual({
      tables: ['comparisons', 'experiment_findings', 'experiment_tags', 'experiments', 'pair_findings', 'probes', 'run_layer_means', 'runs', 'sample_answers', 'sample_lens', 'sample_texts', 'sample_vectors', 'samples', 'sqlite_sequence'],
      version: LATEST_SCHEMA_VERSION,
      applicationId: HISTORY_APPLICATION_ID,
      journal: 'wal',
    });
  });

  it('initialises an empty (0-byte) file', () => {
    writeFileSync(temp.dbPath(), '');
    openHistoryStore(temp.dbPath()).close();
    expect(inspect(temp.dbPath()).version).toBe(LATEST_SCHEMA_VERSION);
  });

  it('reopens an existing history without changing what it holds', () => {
    const first = openHistoryStore(temp.dbPath());
    const experimentId = first.createExperiment(newExperiment());
    const runId = first.createRun(experimentId, newRun());
    first.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
    first.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 3 });
    const before = first.getExperiment(experimentId);
    first.close();

    for (let reopen = 0; reopen < 2; reopen += 1) {
      const again = openHistoryStore(temp.dbPath());
      expect(again.getExperiment(experimentId)).toEqual(before);
      expect(again.getRunVectors(runId, 1)).toHaveLength(1);
      again.close();
    }
    expect(inspect(temp.dbPath()).version).toBe(LATEST_SCHEMA_VERSION);
  });

  it('enforces foreign keys, so a sample cannot outlive its run', () => {
    openHistoryStore(temp.dbPath()).close();
    const store = openHistoryStore(temp.dbPath());
    const experimentId = store.createExperiment(newExperiment());
    const runId = store.createRun(experimentId, newRun());
    store.recordSample(runId, sampleToRecord(0, [0, 1, 2]));
    store.finishExperiment(experimentId, { status: 'completed', endedAt: new Date(), durationS: 1 });
    store.deleteExperiment(experimentId);
    store.close();
    const db = new Database(temp.dbPath(), { readonly: true });
    const orphans = db.prepare('SELECT (SELECT count(*) FROM samples) + (SELECT count(*) FROM sample_vectors) AS n');
    expect((orphans.get() as { n: number }).n).toBe(0);
    db.close();
  });
});
