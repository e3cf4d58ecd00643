import type { ProgressEvent } from '../contract/index.js';
import type { EngineCalls } from '../services/engine-calls.js';
import type { PathUse } from '../services/path-policy.js';

/**
 * What the serve mode and the Electron main process talk to: every contract call plus a progress feed.
 * engine-supervisor.ts implements it with engine processes, so no model or database work happens in the caller.
 */
export interface EnginePort extends EngineCalls {
  /**
   * Desktop app only: the user picked this file or folder in a native dialog, so the engine may read it (`read`) or
   * write into it (`write`) for the rest of the session.
   */
  grantPath(path: string, use: PathUse): void;
  /** Registers a listener for experiment progress; returns the function that removes it. */
  subscribeProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Stops running experiments and the engine processes. */
  close(): Promise<void>;
}
