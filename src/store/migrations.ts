import type Database from 'better-sqlite3';
import { backfillPairFindings } from './backfill-findings.js';
import { HISTORY_APPLICATION_ID, SCHEMA_V1_SQL, SCHEMA_V2_SQL, SCHEMA_V3_SQL, SCHEMA_V4_SQL, SCHEMA_V5_SQL, SCHEMA_V6_SQL } from './schema.js';

/** One schema step: `up` brings a database at `version - 1` to `version`. */
export interface Migration {
  version: number;
  description: string;
  up: (db: Database.Database) => void;
}

/** Every schema step, oldest first; versions are 1, 2, 3, ... with no gaps (PRAGMA user_version holds the last). */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'experiments, runs, samples, vectors, layer means and comparisons',
    up: (db) => {
      db.exec(SCHEMA_V1_SQL);
      db.pragma(`application_id = ${HISTORY_APPLICATION_ID}`);
    },
  },
  {
    version: 2,
    description: 'the runtime of each experiment (export style, dtype, quantization, batch size, threads)',
    up: (db) => db.exec(SCHEMA_V2_SQL),
  },
  {
    version: 3,
    description: 'the findings and analysis settings of each compared pair, the content hash of imported files, seeds beyond the JS safe integers',
    up: (db) => {
      db.exec(SCHEMA_V3_SQL);
      backfillPairFindings(db);
    },
  },
  {
    version: 4,
    description: 'linear probes of stored runs',
    up: (db) => db.exec(SCHEMA_V4_SQL),
  },
  {
    version: 5,
    description: "the researcher's notes and tags on each experiment; the noise floor, debiased L2 and held-out effect size of each compared layer",
    up: (db) => db.exec(SCHEMA_V5_SQL),
  },
  {
    version: 6,
    description: 'experiments computed on a cluster: the plan and shard of a shard file, the shards and hosts of a merged experiment',
    up: (db) => db.exec(SCHEMA_V6_SQL),
  },
];

/** The newest schema this build knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the pending migrations, each in its own IMMEDIATE transaction together with the user_version bump, so a
 * crash leaves the database at a whole version. The version is re-read inside the transaction because another
 * process may have migrated the same file meanwhile. Returns the versions applied. `migrations` is replaceable so
 * tests can exercise later steps before they exist.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const applied: number[] = [];
  for (const migration of migrations) {
    const step = db.transaction(() => {
      if (schemaVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
      applied.push(migration.version);
    });
    step.immediate();
  }
  return applied;
}
