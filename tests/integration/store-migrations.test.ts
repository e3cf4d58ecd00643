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

  it('gives a version-4 history empty notes and tags, and no stored noise floors for its compared layers', () => {
    migrate(db, MIGRATIONS.slice(0, 4));
    db.prepare(
      `INSERT INTO experiments (uid, name, status, source, config_json, vector_policy_json, started_at, last_activity_at)
       VALUES ('u1', 'kept', 'completed', 'workbench', '{}', '"all"', '2026-01-01', '2026-01-01')`,
    ).run();
    expect(migrate(db, MIGRATIONS.slice(0, 5))).toEqual([5]);
    expect(db.prepare('SELECT name, notes FROM experiments').all()).toEqual([{ name: 'kept', notes: '' }]);
    expect(tableNames()).toContain('experiment_tags');
    const columns = (db.prepare('PRAGMA table_info(comparisons)').all() as { name: string }[]).map((column) => column.name);
    expect(columns).toEqual(expect.arrayContaining(['l2_noise_floor', 'l2_debiased', 'cohens_d_held_out']));
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

  it("gives a version-2 history's compared pairs their findings and Holm-adjusted p-values, with the settings used then", () => {
    migrate(db, MIGRATIONS.slice(0, 2));
    db.prepare(
      `INSERT INTO experiments (id, uid, name, status, source, config_json, vector_policy_json, started_at, last_activity_at)
       VALUES (1, 'u1', 'activation_compare', 'completed', 'workbench', '{"experiment":{"seed":7}}', '"all"', '2026-01-01', '2026-01-01')`,
    ).run();
    const run = db.prepare(
      `INSERT INTO runs (id, experiment_id, run_index, name, dataset_name, dataset_hash, prompt_name, num_samples_planned,
         sample_indices_json, layer_indices_json, status) VALUES (?, 1, ?, ?, 'd', 'h', 'p', 2, '[0,1]', '[0,1]', 'completed')`,
    );
    run.run(1, 0, 'histo');
    run.run(2, 1, 'radio');
    const row = db.prepare(
      `INSERT INTO comparisons (experiment_id, run_a_id, run_b_id, layer, cosine, l2, cosine_ci_low, cosine_ci_high, p_value, n_permutations)
       VALUES (1, 1, 2, ?, ?, ?, 0.1, 0.9, ?, 1000)`,
    );
    row.run(0, 0.9, 1, 0.001);
    row.run(1, 0.5, 4, 0.04);
    expect(migrate(db, MIGRATIONS.slice(0, 3))).toEqual([3]);
    // Holm over two layers: 0.001·2 = 0.002, max(0.002, 0.04·1) = 0.04.
    expect(db.prepare('SELECT layer, p_value_holm FROM comparisons ORDER BY layer').all()).toEqual([
      { layer: 0, p_value_holm: 0.002 },
      { layer: 1, p_value_holm: 0.04 },
    ]);
    const stored = db.prepare('SELECT findings_json, analysis_json FROM pair_findings').get() as { findings_json: string; analysis_json: string };
    expect(JSON.parse(stored.findings_json)).toMatchObject({
      run_a: 'histo',
      run_b: 'radio',
      mean_cosine_similarity: 0.7,
      mean_l2_distance: 2.5,
      lowest_cosine_layers: [{ layer: 1, value: 0.5 }, { layer: 0, value: 0.9 }],
      layers_beyond_chance: [0, 1],
    });
    expect(JSON.parse(stored.analysis_json)).toEqual({
      n_boot: 1000,
      confidence_level: 0.95,
      n_perm: 1000,
      significance_level: 0.05,
      seed: 7,
      resampling: 'paired',
    });
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
    expect(migrate(db, MIGRATIONS.slice(0, 3))).toEqual([3]);
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
