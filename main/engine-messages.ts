import type { ApiMethod, ApiOutcome, ProgressEvent } from '../src/api/contract.js';
import type { EngineOptions } from '../src/api/engine-adapter.js';

/** Main process → engine worker. */
export type ToWorker = { kind: 'init'; options: EngineOptions } | { kind: 'call'; id: number; method: ApiMethod; payload: unknown };

/** Engine worker → main process. */
export type FromWorker =
  | { kind: 'result'; id: number; outcome: ApiOutcome<ApiMethod> }
  | { kind: 'progress'; event: ProgressEvent };
