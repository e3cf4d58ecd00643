import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, runCli, type CliResult } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

/** Root ignores file permissions, so the CLI browses as the unprivileged `nobody` user when the tests run as root. */
const NOBODY = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function cliAsNobody(args: readonly string[], cwd: string): CliResult {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, ...NOBODY });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Brings a current history back to schema 2 (no cluster record, notes or tags, stored noise floors, probes, pair findings, Holm column, exact seeds or import hashes). */
function downgradeToSchema2(dbPath: string): void {
  const db = new Database(dbPath);
  db.exec(`
    DROP TABLE experiment_tags;
    ALTER TABLE experiments DROP COLUMN notes;
    ALTER TABLE comparisons DROP COLUMN l2_noise_floor;
    ALTER TABLE comparisons DROP COLUMN l2_debiased;
    ALTER TABLE comparisons DROP COLUMN cohens_d_held_out;
    DROP TABLE probes;
    ALTER TABLE experiments DROP COLUMN cluster_json;
    DROP TABLE pair_findings;
    ALTER TABLE runs DROP COLUMN seed_text;
    ALTER TABLE comparisons DROP COLUMN p_value_holm;
    DROP INDEX experiments_by_source_hash;
    ALTER TABLE experiments DROP COLUMN source_hash;
    PRAGMA user_version = 2;
  `);
  db.close();
}

describe('a history this user may not write', () => {
  let temp: TempDir;
  let original: string;
  /** What the browsing commands print for the experiment, read from the writable original. */
  let expected: { history: unknown; show: string; export: string };

  /** A copy of the original history in its own folder, made read-only as `mode` says. */
  function readOnlyCopy(name: string, mode: 'folder' | 'file', prepare: (dbPath: string) => void = () => undefined): string {
    const dir = temp.path(name);
    mkdirSync(dir);
    const dbPath = path.join(dir, 'history.sqlite');
    copyFileSync(original, dbPath);
    prepare(dbPath);
    chmodSync(dbPath, 0o444);
    chmodSync(dir, mode === 'folder' ? 0o555 : 0o777);
    return dbPath;
  }

  function browse(dbPath: string) {
    const dir = path.dirname(dbPath);
    return {
      history: JSON.parse(cliAsNobody(['history', '--json', '--db', dbPath], dir).stdout) as unknown,
      show: cliAsNobody(['show', '1', '--db', dbPath], dir).stdout,
      export: cliAsNobody(['export', '1', '--format', 'json', '--db', dbPath], dir).stdout,
    };
  }

  beforeAll(() => {
    temp = makeTempDir('cli-read-only-history');
    chmodSync(temp.dir, 0o755);
    original = temp.path('history.sqlite');
    const run = runCli(['run', 'experiment.num_samples=3', '--no-progress', '--out', temp.path('report'), '--db', original], temp.dir);
    expect(run.status, run.stderr).toBe(0);
    expected = {
      history: JSON.parse(runCli(['history', '--json', '--db', original], temp.dir).stdout) as unknown,
      show: runCli(['show', '1', '--db', original], temp.dir).stdout,
      export: runCli(['export', '1', '--format', 'json', '--db', original], temp.dir).stdout,
    };
    expect(expected.export).toContain('"divergence"');
  });

  afterAll(() => {
    for (const name of readdirSync(temp.dir)) chmodSync(temp.path(name), 0o755);
    temp.remove();
  });

  for (const mode of ['folder', 'file'] as const) {
    it(`in a read-only ${mode}: history, show and export work, leave no -wal or -shm, and writing commands say why they cannot`, () => {
      const dbPath = readOnlyCopy(`read-only-${mode}`, mode);
      const before = readFileSync(dbPath);
      expect(browse(dbPath)).toEqual(expected);

      const deleted = cliAsNobody(['delete', '1', '--db', dbPath], path.dirname(dbPath));
      expect(deleted.status).not.toBe(0);
      expect(deleted.stderr).toContain(
        `cotlab-wb: error: Could not open the history (history database ${dbPath}): the file or its folder is read-only. Nothing was changed`,
      );
      const run = cliAsNobody(['run', 'experiment.num_samples=1', '--db', dbPath], path.dirname(dbPath));
      expect(run.stderr).toMatch(/the file or its folder is read-only/);

      expect(readdirSync(path.dirname(dbPath))).toEqual(['history.sqlite']);
      expect(readFileSync(dbPath).equals(before)).toBe(true);
    });
  }

  it('of an older schema, which cannot be migrated there: browsing reads it as the migration would', () => {
    const dbPath = readOnlyCopy('schema-2', 'folder', downgradeToSchema2);
    const before = readFileSync(dbPath);
    expect(browse(dbPath)).toEqual(expected);
    expect(readdirSync(path.dirname(dbPath))).toEqual(['history.sqlite']);
    expect(readFileSync(dbPath).equals(before)).toBe(true);
  });
});
