import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HistoryReader } from './history-reader.js';
import { HistoryStore } from './history-store.js';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
import { HISTORY_APPLICATION_ID } from './schema.js';
import { newStoreError, toStoreError } from './store-error.js';

// better-sqlite3 reads SQLITE_USE_URI once, when its native addon loads (on the first Database of the process), and
// only URI filenames can open a file `immutable` (no locks, no -wal/-shm). Every other path given to SQLite here
// is absolute, so none is taken for a URI by accident.
process.env['SQLITE_USE_URI'] ??= '1';

export interface OpenStoreOptions {
  /**
   * Caps the database size in pages (PRAGMA max_page_count): a write past it fails like a full disk. Leave unset
   * for no cap beyond the disk.
   */
  maxPageCount?: number;
}

const OPEN = 'open the history';
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** How long a call waits for another process's write lock before giving up with a busy error. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating when needed) the experiment history at `path` for writing. Before anything is written it checks
 * that the file is absent, empty, or a CoTLab Workbench history of a schema version this build knows, in a place
 * it may write (file and folder); anything else is refused with a StoreError and left byte-for-byte untouched. It
 * then switches to WAL, applies pending migrations and marks experiments of dead processes as interrupted.
 */
export function openHistoryStore(path: string, options: OpenStoreOptions = {}): HistoryStore {
  const dbPath = resolve(path);
  checkFileBeforeOpening(dbPath, false);
  let db: Database.Database;
  try {
    db = new Database(dbPath);
  } catch (error) {
    throw toStoreError(error, dbPath, OPEN);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = checkDatabaseIsOurs(db, dbPath, false);
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL survives a killed process; only an OS crash may lose the last commits, never consistency.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
    if (version < LATEST_SCHEMA_VERSION) migrate(db);
    const store = new HistoryStore(db, dbPath);
    store.markStaleRunningAsInterrupted();
    return store;
  } catch (error) {
    db.close();
    throw toStoreError(error, dbPath, OPEN);
  }
}

/**
 * Opens an existing history only to read it; nothing is ever written to it. Where this process may not write (a
 * read-only medium, a file or folder of another user) it is opened immutable, so SQLite takes no locks and leaves
 * no -wal or -shm file beside it (a history still being written there by someone else may then read as damaged).
 * A history of an older schema, which cannot be migrated here, is read through its migration run on an in-memory
 * copy of its small tables (experiments, runs, comparisons); samples and vectors are read from the file.
 */
export function openHistoryReader(path: string): HistoryReader {
  const dbPath = resolve(path);
  checkFileBeforeOpening(dbPath, true);
  const source = readOnlySource(dbPath);
  let db: Database.Database;
  try {
    db = new Database(source, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw toStoreError(error, dbPath, OPEN);
  }
  let version: number;
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    version = checkDatabaseIsOurs(db, dbPath, true);
  } catch (error) {
    db.close();
    throw toStoreError(error, dbPath, OPEN);
  }
  if (version === LATEST_SCHEMA_VERSION) return new HistoryReader(db, dbPath);
  db.close();
  return new HistoryReader(migratedOverlay(source, dbPath, version), dbPath);
}

/** Tables no migration has changed, read from the file itself: the bulk of a history (samples and their vectors). */
const TABLES_READ_IN_PLACE = new Set(['samples', 'sample_vectors', 'run_layer_means']);

/**
 * An in-memory database holding a copy of the history's small tables (their own CREATE statements, their rows), the
 * file attached read-only for the rest, and the pending migrations applied to the copy: queries by table name then
 * read the latest schema. A migration that changes a table read in place must take it out of TABLES_READ_IN_PLACE.
 */
function migratedOverlay(source: string, dbPath: string, version: number): Database.Database {
  const db = new Database(':memory:');
  try {
    db.prepare('ATTACH DATABASE ? AS stored').run(source);
    const objects = db
      .prepare(
        `SELECT type, name, tbl_name AS tableName, sql FROM stored.sqlite_schema
         WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid`,
      )
      .all() as Array<{ type: string; name: string; tableName: string; sql: string }>;
    for (const object of objects) {
      if (TABLES_READ_IN_PLACE.has(object.tableName)) continue;
      db.exec(object.sql);
      if (object.type === 'table') db.exec(`INSERT INTO main."${object.name}" SELECT * FROM stored."${object.name}"`);
    }
    db.pragma(`application_id = ${HISTORY_APPLICATION_ID}`);
    db.pragma(`user_version = ${version}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw toStoreError(error, dbPath, OPEN);
  }
}

/**
 * The URI SQLite opens to read the history: read-only where this process could write beside it (SQLite then
 * coordinates with writers), else immutable. A non-empty -wal file holds commits not yet in the database, so it is
 * read (no immutable) whenever it is there.
 */
function readOnlySource(dbPath: string): string {
  const wal = statSync(`${dbPath}-wal`, { throwIfNoEntry: false });
  const shared = (wal?.size ?? 0) > 0 || (canWrite(dbPath) && canWrite(dirname(dbPath)));
  return `${pathToFileURL(dbPath).href}?${shared ? 'mode=ro' : 'immutable=1'}`;
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** File-level checks that need no SQLite: a clearer message than SQLite's, and no chance of writing first. */
function checkFileBeforeOpening(dbPath: string, readonly: boolean): void {
  const stats = statSync(dbPath, { throwIfNoEntry: false });
  if (stats === undefined) {
    if (readonly) throw newStoreError('empty', dbPath, OPEN, 'the file does not exist');
    try {
      mkdirSync(dirname(dbPath), { recursive: true });
      accessSync(dirname(dbPath), constants.W_OK);
    } catch (error) {
      throw toStoreError(error, dbPath, OPEN);
    }
    return;
  }
  if (!stats.isFile()) throw newStoreError('cannot-open', dbPath, OPEN, 'the path is a folder, not a file');
  if (stats.size > 0 && !startsWithSqliteHeader(dbPath)) throw newStoreError('not-sqlite', dbPath, OPEN);
  if (readonly) return;
  try {
    accessSync(dbPath, constants.R_OK | constants.W_OK);
    // WAL keeps -wal and -shm files beside the database, so the folder must be writable too.
    accessSync(dirname(dbPath), constants.W_OK);
  } catch (error) {
    throw toStoreError(error, dbPath, OPEN);
  }
}

function startsWithSqliteHeader(dbPath: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let descriptor: number;
  try {
    descriptor = openSync(dbPath, 'r');
  } catch (error) {
    throw toStoreError(error, dbPath, OPEN);
  }
  try {
    const read = readSync(descriptor, header, 0, header.length, 0);
    return read === header.length && header.equals(SQLITE_HEADER);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * Ours: application_id is the history's. New: a SQLite file with no tables, no id and version 0 (safe to
 * initialise). Anything else belongs to someone else or to a newer build, and is refused. Returns the version.
 */
function checkDatabaseIsOurs(db: Database.Database, dbPath: string, readonly: boolean): number {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = schemaVersion(db);
  if (applicationId !== HISTORY_APPLICATION_ID) {
    const objects = db.prepare('SELECT count(*) AS objects FROM sqlite_schema').get() as { objects: number };
    const isNew = applicationId === 0 && version === 0 && objects.objects === 0;
    if (!isNew) throw newStoreError('foreign-schema', dbPath, OPEN);
    if (readonly) throw newStoreError('empty', dbPath, OPEN);
    return version;
  }
  if (version > LATEST_SCHEMA_VERSION) {
    throw newStoreError(
      'newer-schema',
      dbPath,
      OPEN,
      `schema version ${version}; this build knows up to ${LATEST_SCHEMA_VERSION}`,
    );
  }
  return version;
}
