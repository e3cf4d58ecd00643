import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HistoryStore } from './history-store.js';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
import { HISTORY_APPLICATION_ID } from './schema.js';
import { newStoreError, toStoreError } from './store-error.js';

export interface OpenStoreOptions {
  /** Browse only: nothing is written, not even the interrupted-run marks. */
  readonly?: boolean;
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
 * Opens (creating when needed) the experiment history at `path`. Before anything is written it checks that the
 * file is absent, empty, or a CoTLab Workbench history of a schema version this build knows; anything else is
 * refused with a StoreError and left byte-for-byte untouched. A writable open then switches to WAL, applies
 * pending migrations and marks experiments of dead processes as interrupted.
 */
export function openHistoryStore(path: string, options: OpenStoreOptions = {}): HistoryStore {
  const dbPath = resolve(path);
  const readonly = options.readonly ?? false;
  checkFileBeforeOpening(dbPath, readonly);
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw toStoreError(error, dbPath, OPEN);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    checkDatabaseIsOurs(db, dbPath, readonly);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL survives a killed process; only an OS crash may lose the last commits, never consistency.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    if (options.maxPageCount !== undefined) db.pragma(`max_page_count = ${Math.floor(options.maxPageCount)}`);
    if (!readonly) migrate(db);
    const store = new HistoryStore(db, dbPath, readonly);
    if (!readonly) store.markStaleRunningAsInterrupted();
    return store;
  } catch (error) {
    db.close();
    throw toStoreError(error, dbPath, OPEN);
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
 * initialise). Anything else belongs to someone else or to a newer build, and is refused.
 */
function checkDatabaseIsOurs(db: Database.Database, dbPath: string, readonly: boolean): void {
  const applicationId = db.pragma('application_id', { simple: true }) as number;
  const version = schemaVersion(db);
  if (applicationId !== HISTORY_APPLICATION_ID) {
    const objects = db.prepare('SELECT count(*) AS objects FROM sqlite_schema').get() as { objects: number };
    const isNew = applicationId === 0 && version === 0 && objects.objects === 0;
    if (!isNew) throw newStoreError('foreign-schema', dbPath, OPEN);
    if (readonly) throw newStoreError('empty', dbPath, OPEN);
    return;
  }
  if (version > LATEST_SCHEMA_VERSION) {
    throw newStoreError(
      'newer-schema',
      dbPath,
      OPEN,
      `schema version ${version}; this build knows up to ${LATEST_SCHEMA_VERSION}`,
    );
  }
  if (readonly && version < LATEST_SCHEMA_VERSION) {
    throw newStoreError('needs-upgrade', dbPath, OPEN, `schema version ${version} of ${LATEST_SCHEMA_VERSION}`);
  }
}
