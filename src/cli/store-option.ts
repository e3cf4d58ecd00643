import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { defaultDbPath } from '../store/default-db-path.js';
import type { HistoryReader } from '../store/history-reader.js';
import type { HistoryStore } from '../store/history-store.js';
import { openHistoryReader, openHistoryStore } from '../store/open-store.js';
import { newStoreError, StoreError } from '../store/store-error.js';
import type { VectorPolicy } from '../store/vector-policy.js';

export interface DbOption {
  db?: string;
}

/** Adds `--db PATH` (every command that touches the history takes it). */
export function addDbOption(command: Command): Command {
  return command.option('--db <path>', `experiment history database (default: $COTLAB_WB_DB, else ${defaultDbPath()})`);
}

export function historyPath(options: DbOption): string {
  return path.resolve(options.db ?? defaultDbPath());
}

/**
 * Opens the history for commands that only read it. A missing file is an error (never silently created). Where it
 * may be written it is opened as usual (migrated, runs of dead processes marked interrupted); a history on a
 * read-only medium, or in a file or folder this user may not write, is opened read-only, so it can still be browsed.
 */
export function openHistoryForReading(options: DbOption): HistoryReader {
  const dbPath = historyPath(options);
  if (!existsSync(dbPath)) throw newStoreError('empty', dbPath, 'open the history', 'the file does not exist');
  try {
    return openHistoryStore(dbPath);
  } catch (error) {
    if (error instanceof StoreError && error.reason === 'read-only') return openHistoryReader(dbPath);
    throw error;
  }
}

/** Opens (creating when needed) the history for commands that write to it; a read-only one is refused, saying why. */
export function openHistoryForWriting(options: DbOption): HistoryStore {
  return openHistoryStore(historyPath(options));
}

/** Runs `body` with the history open for reading, closing it afterwards whatever happens. */
export async function withHistoryReader<T>(options: DbOption, body: (reader: HistoryReader) => T | Promise<T>): Promise<T> {
  const reader = openHistoryForReading(options);
  try {
    return await body(reader);
  } finally {
    reader.close();
  }
}

/** Runs `body` with the history open for writing, closing it afterwards whatever happens. */
export async function withHistoryStore<T>(options: DbOption, body: (store: HistoryStore) => T | Promise<T>): Promise<T> {
  const store = openHistoryForWriting(options);
  try {
    return await body(store);
  } finally {
    store.close();
  }
}

/** `--store-vectors`: all | means | layers:0,3,5. */
export function parseStoreVectors(value: string): VectorPolicy {
  const text = value.trim();
  if (text === 'all' || text === 'means') return text;
  const listed = /^layers:(\d+(?:,\d+)*)$/.exec(text.replace(/\s+/g, ''));
  if (listed?.[1] === undefined) {
    throw new InvalidArgumentError('use all, means, or layers: followed by layer numbers, e.g. layers:0,3,5');
  }
  return { layers: [...new Set(listed[1].split(',').map(Number))] };
}
