import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../experiments/module-worker.js';
import type { ApiErrorBody } from '../contract/index.js';
import type { LabelCount } from '../datasets/label-distribution.js';
import type { Sample } from '../datasets/sample.js';
import type { DatasetSpec } from '../datasets/spec.js';
import { EngineRequestError } from './engine-calls.js';

/** What a dataset thread reports once its file is parsed. */
export interface DatasetSummary {
  name: string;
  /** The file the samples came from. */
  path: string;
  /** Samples in the file; 0 for a delimited file whose text column is not chosen yet (only its columns are read). */
  total: number;
  /** Why no samples were loaded (that text column is missing); null when they were. */
  unloaded: string | null;
  /** Column names of a delimited/JSON lines file, to map; empty for the fixed formats. */
  columns: string[];
  labels: LabelCount[];
}

export interface DatasetThreadInput {
  spec: DatasetSpec;
  /** Relative dataset paths resolve against it. */
  root: string;
}

export type ToDatasetThread = { kind: 'rows'; id: number; offset: number; limit: number };

export type FromDatasetThread =
  | { kind: 'parsed'; summary: DatasetSummary }
  | { kind: 'failed'; error: ApiErrorBody['error'] }
  | { kind: 'rows'; id: number; rows: Sample[] };

/** Starts the thread that parses and holds one dataset. */
export type SpawnDatasetThread = (input: DatasetThreadInput) => Worker;

interface Entry {
  worker: Worker;
  parsed: Promise<DatasetSummary>;
  settled: boolean;
  /** Callers waiting for the parse; when the last one gives up before it ends, the thread is stopped. */
  waiting: number;
  rowRequests: Map<number, { resolve(rows: Sample[]): void; reject(error: Error): void }>;
}

/** Datasets kept parsed, so paging a preview or stepping through prompts does not parse the file again. */
const DEFAULT_CAPACITY = 6;

/** A parse larger than this stops with an error instead of taking the engine service process down with it. */
const THREAD_HEAP_MB = 4096;

/**
 * Dataset files parsed off the engine service's thread, one worker thread per file, each keeping its parsed samples
 * and answering pages from them. A parse therefore never delays the history calls answered on the service's own
 * thread; a parse nobody waits for any more is stopped by ending its thread (the synchronous loaders cannot be
 * interrupted any other way); and every page after the first is a slice of the kept samples. Entries are keyed by
 * the file's path, modification time and size and by the format and column mapping, so an edited file is parsed again.
 */
export class ParsedDatasets {
  /** Parses started so far (one thread each); a page served from a kept dataset starts none. */
  parses = 0;
  private readonly entries = new Map<string, Entry>();
  private nextRequestId = 1;

  constructor(
    private readonly root: string,
    private readonly spawn: SpawnDatasetThread = spawnDatasetThread,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The parsed dataset's name, path, size, columns and labels; waits for the parse unless `signal` aborts first. */
  async summary(spec: DatasetSpec, signal?: AbortSignal): Promise<DatasetSummary> {
    const entry = await this.entryFor(spec);
    return this.waitForParse(entry, signal);
  }

  /** Samples offset..offset+limit of the parsed dataset. */
  async rows(spec: DatasetSpec, offset: number, limit: number, signal?: AbortSignal): Promise<Sample[]> {
    const entry = await this.entryFor(spec);
    await this.waitForParse(entry, signal);
    const id = this.nextRequestId++;
    return new Promise<Sample[]>((resolve, reject) => {
      entry.rowRequests.set(id, { resolve, reject });
      entry.worker.postMessage({ kind: 'rows', id, offset, limit } satisfies ToDatasetThread);
    });
  }

  /** Ends every dataset thread. */
  close(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private async entryFor(spec: DatasetSpec): Promise<Entry> {
    const file = path.resolve(this.root, spec.path);
    const info = await stat(file).catch(() => null);
    const key = JSON.stringify([spec, file, info?.mtimeMs ?? null, info?.size ?? null]);
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      // Most recently used last, so the oldest is evicted first.
      this.entries.delete(key);
      this.entries.set(key, kept);
      return kept;
    }
    const entry = this.start(key, spec);
    this.entries.set(key, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.drop(oldest);
    }
    return entry;
  }

  private start(key: string, spec: DatasetSpec): Entry {
    this.parses += 1;
    const worker = this.spawn({ spec, root: this.root });
    const rowRequests: Entry['rowRequests'] = new Map();
    let settle: { resolve(summary: DatasetSummary): void; reject(error: EngineRequestError): void } | null = null;
    const parsed = new Promise<DatasetSummary>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Nobody may be listening yet (or any more): each waiter receives the rejection on its own.
    parsed.catch(() => undefined);
    const entry: Entry = { worker, parsed, settled: false, waiting: 0, rowRequests };
    const finish = (outcome: DatasetSummary | EngineRequestError) => {
      if (entry.settled || settle === null) return;
      entry.settled = true;
      if (outcome instanceof EngineRequestError) {
        // A failed parse is not kept: the next request tries again (the file may have been fixed).
        this.forget(key, entry);
        void worker.terminate();
        settle.reject(outcome);
      } else {
        settle.resolve(outcome);
      }
    };
    worker.on('message', (message: FromDatasetThread) => {
      if (message.kind === 'parsed') finish(message.summary);
      else if (message.kind === 'failed') finish(new EngineRequestError(message.error.message, message.error.code === 'unauthorized' ? 'engine_error' : message.error.code, message.error.details));
      else {
        rowRequests.get(message.id)?.resolve(message.rows);
        rowRequests.delete(message.id);
      }
    });
    worker.on('error', (error) => {
      const outOfMemory = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(
        outOfMemory
          ? new EngineRequestError(`${spec.path}: the file is too large to open here (parsing it ran out of memory).`, 'bad_request')
          : new EngineRequestError(`${spec.path}: the dataset could not be parsed (${error.message}).`, 'engine_error'),
      );
    });
    worker.on('exit', () => {
      const stopped = new EngineRequestError(`${spec.path}: the dataset was closed (evicted or cancelled) before it answered; try again.`, 'engine_error');
      finish(stopped);
      for (const request of rowRequests.values()) request.reject(stopped);
      rowRequests.clear();
      this.forget(key, entry);
    });
    return entry;
  }

  private forget(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  /** The parse's outcome, unless `signal` aborts first; the last waiter to give up stops an unfinished parse. */
  private waitForParse(entry: Entry, signal: AbortSignal | undefined): Promise<DatasetSummary> {
    if (entry.settled || signal === undefined) return entry.parsed;
    entry.waiting += 1;
    return new Promise<DatasetSummary>((resolve, reject) => {
      let waiting = true;
      const leave = () => {
        if (!waiting) return false;
        waiting = false;
        entry.waiting -= 1;
        signal.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = () => {
        if (!leave()) return;
        if (!entry.settled && entry.waiting === 0) this.stop(entry);
        reject(cancelled());
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      entry.parsed.then(
        (summary) => leave() && resolve(summary),
        (error: unknown) => leave() && reject(error),
      );
    });
  }

  private stop(entry: Entry): void {
    for (const [key, candidate] of this.entries) if (candidate === entry) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    void entry.worker.terminate();
  }
}

function cancelled(): EngineRequestError {
  return new EngineRequestError('The dataset preview was cancelled.', 'bad_request');
}

/**
 * Starts dataset-thread.ts beside this module. Built JavaScript is loaded directly; the TypeScript source (tests,
 * `cotlab-wb serve` through tsx) is loaded through tsx's loader, registered inside the new thread.
 */
export function spawnDatasetThread(input: DatasetThreadInput): Worker {
  return startModuleWorker(import.meta.url, 'dataset-thread', { workerData: input, resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB } });
}
