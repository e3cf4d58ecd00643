import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate, schemaVersion, type Migration } from '../../src/store/migrations.js';
import { makeStoreTempDir, type StoreTempDir } from '../fixtures/store/temp-db.js';

let temp: StoreTempDir;
let db: Database.Database;

beforeEach(() => {
  temp = makeStoreTempDir();
  db = new Database(temp.dbPath());
});

afterEach(() => {
  db.close();
  temp.remove();
});

function tableNames(): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (row) => row.name,
  );
}

describe('migrate', () => {
  it('brings an empty database to the latest version once, then does nothing', () => {
    expect(migrate(db)).toEqual(MIGRATIONS.map((migration) => migration.version));
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(migrate(db)).toEqual([]);
  });

  it('applies only the steps after the stored version, keeping the rows', () => {
    migrate(db);
    db.prepare(
      `INSERT INTO experiments (uid, name, status, source, config_json, vector_policy_json, started_at, last_activity_at)
       VALUES ('u1', 'kept', 'completed', 'workbench', '{}', '"all"', '2026-01-01', '2026-01-01')`,
    ).run();
    const addNote: Migration = {
      version: MIGRATIONS.length + 1,
      description: 'a note per experiment',
      up: (target) => target.exec('ALTER TABLE experiments ADD COLUMN note TEXT'),
    };
    expect(migrate(db, [...MIGRATIONS, addNote])).toEqual([addNote.version]);
    expect(db.prepare('SELECT name, note FROM experiments').all()).toEqual([{ name: 'kept', note: null }]);
  });

  it('adds the runtime column to a version-1 history, whose experiments then have none', () => {
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO experiments (uid, name, status, source, config_json, vector_policy_json, started_at, last_activity_at)
       VALUES ('u1', 'kept', 'completed', 'workbench', '{}', '"all"', '2026-01-01', '2026-01-01')`,
    ).run();
    expect(migrate(db, MIGRATIONS.slice(0, 2))).toEqual([2]);
    expect(db.prepare('SELECT name, runtime_json FROM experiments').all()).toEqual([{ name: 'kept', runtime_json: null }]);
  });

  it('adds exact seed text to a version-2 history: its seeds stay where they were, and only digits fit', () => {
    migrate(db, MIGRATIONS.slice(0, 2));
    db.prepare(
      `INSERT INTO experiments (uid, name, status, source, config_json, vector_policy_json, started_at, last_activity_at)
       VALUES ('u1', 'kept', 'completed', 'workbench', '{}', '"all"', '2026-01-01', '2026-01-01')`,
    ).run();
    const addRun = db.prepare(
      `INSERT INTO runs (experiment_id, run_index, name, dataset_name, prompt_name, seed, num_samples_planned, layer_indices_json, status)
       VALUES (1, ?, 'r', 'd', 'p', ?, 1, '[0]', 'completed')`,
    );
    addRun.run(0, 42);
    expect(migrate(db)).toEqual([3]);
    expect(db.prepare('SELECT seed, seed_text FROM runs').all()).toEqual([{ seed: 42, seed_text: null }]);
    const setText = db.prepare('UPDATE runs SET seed = ?, seed_text = ? WHERE run_index = 0');
    setText.run(null, '-1180591620717411303424');
    expect(() => setText.run(7, '1180591620717411303424')).toThrow(/CHECK constraint/);
    expect(() => setText.run(null, '12a')).toThrow(/CHECK constraint/);
    expect(() => setText.run(null, '-')).toThrow(/CHECK constraint/);
    expect(() => setText.run(null, '--5')).toThrow(/CHECK constraint/);
  });

  it('rolls a failing step back whole, leaving the version where it was', () => {
    migrate(db);
    const before = tableNames();
    const failing: Migration = {
      version: MIGRATIONS.length + 1,
      description: 'fails halfway',
      up: (target) => {
        target.exec('CREATE TABLE half_done (id INTEGER)');
        throw new Error('step failed');
      },
    };
    expect(() => migrate(db, [...MIGRATIONS, failing])).toThrow('step failed');
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(tableNames()).toEqual(before);
  });
});
