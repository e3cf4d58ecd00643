/**
 * The messages between the UI side (serve mode or Electron main) and an engine process (engine-worker.ts), shared by
 * both transports: child_process.fork in serve mode and Electron's utilityProcess on the desktop.
 */
import { isActiveRunState, type ApiErrorBody, type ApiMethod, type ApiOutcome, type ProgressEvent } from '../contract/index.js';
import type { EngineOptions } from '../services/engine-options.js';
import type { ExperimentJob } from '../services/experiment-job.js';
import type { PathUse } from '../services/path-policy.js';

/**
 * Parent → engine process. `serve` makes it the service process; `run` makes it run one experiment, then stop.
 * `abort`: the caller of call `id` is gone. `grant`: the desktop user picked this (real) path in a dialog.
 */
export type ToEngine =
  | { kind: 'serve'; options: EngineOptions }
  | { kind: 'call'; id: number; method: ApiMethod; payload: unknown }
  | { kind: 'abort'; id: number }
  | { kind: 'grant'; path: string; use: PathUse }
  | { kind: 'run'; runId: string; options: EngineOptions; job: ExperimentJob }
  | { kind: 'cancel' };

/** Engine process → parent. A run answers `runAccepted` or `runRefused` first, then sends progress. */
export type FromEngine =
  | { kind: 'result'; id: number; outcome: ApiOutcome<ApiMethod> }
  | { kind: 'runAccepted' }
  | { kind: 'runRefused'; error: ApiErrorBody['error'] }
  | { kind: 'progress'; event: ProgressEvent };

/** An engine process as its parent holds it, whatever started it. */
export interface EngineChild {
  send(message: ToEngine): void;
  /** Ends the process at once (it is finished, or must stop however stuck it is). */
  kill(): void;
}

/** What the parent hears from one engine process; `exit` says how it ended ("exit code 1", "signal SIGKILL"). */
export interface EngineChildEvents {
  message(message: FromEngine): void;
  exit(how: string): void;
}

/** Starts one engine process (child_process.fork in serve mode, utilityProcess.fork in Electron). */
export type SpawnEngine = (events: EngineChildEvents) => EngineChild;

/** The engine process's end of the channel to its parent. */
export interface ParentChannel {
  send(message: FromEngine): void;
  onMessage(listener: (message: ToEngine) => void): void;
}

/** The terminal states of a run: after one of them a run process has nothing more to say. */
export function isFinalState(state: ProgressEvent['state']): boolean {
  return !isActiveRunState(state);
}
