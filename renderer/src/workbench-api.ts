import type { ApiMethod, ApiRequestInput, ApiResponse, CotlabDesktopBridge, ProgressEvent } from '../../src/contract/index.js';

/** What the screens use to reach the engine, whether through the desktop preload or the serve mode's HTTP API. */
export interface WorkbenchApi {
  call<M extends ApiMethod>(method: M, request: ApiRequestInput<M>): Promise<ApiResponse<M>>;
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Native dialogs and PDF printing: present in the desktop app only. */
  desktop: CotlabDesktopBridge | null;
}
