import Database from 'better-sqlite3';

/** Why a history-store call failed; callers branch on this, people read the message. */
export type StoreErrorReason =
  | 'not-sqlite'
  | 'foreign-schema'
  | 'newer-schema'
  | 'empty'
  | 'corrupt'
  | 'read-only'
  | 'disk-full'
  | 'cannot-open'
  | 'busy'
  | 'not-found'
  | 'conflict'
  | 'invalid-input'
  | 'io';

/** Any failure of the experiment history database, naming the file and what was being done. */
export class StoreError extends Error {
  readonly dbPath: string;
  /** What the store was doing, in words, e.g. `save a sample`. */
  readonly operation: string;
  readonly reason: StoreErrorReason;

  constructor(
    reason: StoreErrorReason,
    dbPath: string,
    operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
    this.reason = reason;
    this.dbPath = dbPath;
    this.operation = operation;
  }
}

const EXPLANATIONS: Record<StoreErrorReason, string> = {
  'not-sqlite':
    'the file is not a SQLite database (it may belong to another program). It was left untouched; choose another history file',
  'foreign-schema':
    'the file is a SQLite database of another program, not a CoTLab Workbench history. It was left untouched; choose another history file',
  'newer-schema':
    'the history was written by a newer CoTLab Workbench. It was left untouched; update CoTLab Workbench to open it',
  empty: 'there is no history in this file yet. Run an experiment first, or check the path',
  corrupt:
    'the database file is damaged. Nothing was changed; restore it from a backup, or move it aside to start a new history',
  'read-only':
    'the file or its folder is read-only. Nothing was changed; make both writable, or open the history read-only to browse it',
  'disk-full':
    'the disk is full (or the database size limit was reached). Everything saved before is intact; free some space and resume',
  'cannot-open': 'the file cannot be opened (missing folder or no permission). Check the path and its permissions',
  busy: 'another program holds a lock on the database. Close other CoTLab Workbench windows or runs, then try again',
  'not-found': 'the requested item is not in the history',
  conflict: 'the change contradicts what is already stored',
  'invalid-input': 'the data given to the store is inconsistent',
  io: 'the operating system reported a read or write error. Check the disk, then try again',
};

/** The one-line message for a reason, with optional specifics appended. */
function storeErrorMessage(
  reason: StoreErrorReason,
  dbPath: string,
  operation: string,
  detail?: string,
): string {
  const specifics = detail === undefined ? '' : ` (${detail})`;
  return `Could not ${operation} (history database ${dbPath}): ${EXPLANATIONS[reason]}${specifics}.`;
}

export function newStoreError(
  reason: StoreErrorReason,
  dbPath: string,
  operation: string,
  detail?: string,
  cause?: unknown,
): StoreError {
  return new StoreError(reason, dbPath, operation, storeErrorMessage(reason, dbPath, operation, detail), { cause });
}

/** A stored value that cannot be read back (bad JSON, wrong vector length): the file was damaged or edited by hand. */
export class StoredValueError extends Error {
  readonly column: string;

  constructor(column: string, problem: string) {
    super(`column ${column}: ${problem}`);
    this.name = 'StoredValueError';
    this.column = column;
  }
}

function reasonForSqliteCode(code: string): StoreErrorReason {
  if (code === 'SQLITE_NOTADB') return 'not-sqlite';
  if (code.startsWith('SQLITE_CORRUPT')) return 'corrupt';
  if (code === 'SQLITE_FULL') return 'disk-full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot-open';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  // A duplicate key contradicts stored rows; other constraint failures (NOT NULL, CHECK, types) are bad input.
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'conflict';
  if (code.startsWith('SQLITE_CONSTRAINT')) return 'invalid-input';
  return 'io';
}

function reasonForSystemCode(code: string): StoreErrorReason | null {
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'read-only';
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'disk-full';
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return 'cannot-open';
  return null;
}

/**
 * Turns what a SQLite or file-system call threw into a StoreError (StoreErrors pass through unchanged).
 * Anything else is a programming error and is rethrown as it is, so it is never disguised as a database problem.
 */
export function toStoreError(error: unknown, dbPath: string, operation: string): StoreError {
  if (error instanceof StoreError) return error;
  if (error instanceof StoredValueError) return newStoreError('corrupt', dbPath, operation, error.message, error);
  if (error instanceof Database.SqliteError) {
    return newStoreError(reasonForSqliteCode(error.code), dbPath, operation, `SQLite: ${error.message}`, error);
  }
  const systemCode = (error as NodeJS.ErrnoException | null)?.code;
  const systemReason = typeof systemCode === 'string' ? reasonForSystemCode(systemCode) : null;
  if (systemReason !== null) {
    return newStoreError(systemReason, dbPath, operation, (error as Error).message, error);
  }
  throw error;
}
