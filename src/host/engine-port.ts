import type { ProgressEvent } from '../contract/index.js';
import type { EngineCalls } from '../services/engine-calls.js';

/**
 * What the serve mode and the Electron main process talk to: every contract call plus a progress feed.
 * engine-supervisor.ts implements it with engine processes, so no model or database work happens in the caller.
 */
export interface EnginePort extends EngineCalls {
  /** Registers a listener for experiment progress; returns the function that removes it. */
  subscribeProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Stops running experiments and the engine processes. */
  close(): Promise<void>;
}
