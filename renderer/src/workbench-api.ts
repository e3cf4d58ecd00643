import type { ApiMethod, ApiRequestInput, ApiResponse, CotlabDesktopBridge, ProgressEvent } from '../../src/contract/index.js';

/** What the screens use to reach the engine, whether through the desktop preload or the serve mode's HTTP API. */
export interface WorkbenchApi {
  /** `signal` withdraws the call (serve mode: the server stops work nobody waits for, e.g. parsing a large file). */
  call<M extends ApiMethod>(method: M, request: ApiRequestInput<M>, options?: { signal?: AbortSignal }): Promise<ApiResponse<M>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Native dialogs and PDF printing: present in the desktop app only. */
  desktop: CotlabDesktopBridge | null;
}
