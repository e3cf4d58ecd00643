/** The Electron preload bridge (absent in serve mode). */
import { z } from 'zod';
import type { ApiMethod } from './calls.js';
import type { ApiOutcome } from './errors.js';

/** What the Electron preload exposes as `window.cotlab` (absent in serve mode). */
export interface CotlabDesktopBridge {
  call(method: ApiMethod, payload: unknown): Promise<ApiOutcome<ApiMethod>>;
  onProgress(listener: (event: unknown) => void): () => void;
  openDatasetFile(): Promise<string | null>;
  openModelFolder(): Promise<string | null>;
  chooseExportFolder(): Promise<string | null>;
  /** A folder to write a cluster plan into, and a computed plan's folder to merge. */
  choosePlanFolder(): Promise<string | null>;
  openPlanFolder(): Promise<string | null>;
  saveReport(fileName: string, content: string): Promise<string | null>;
  printToPdf(fileName: string): Promise<string | null>;
}

/** The desktop-only calls the preload forwards to the main process (channel `cotlab:desktop`). */
export const DesktopRequestSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('openDatasetFile') }).strict(),
  z.object({ action: z.literal('openModelFolder') }).strict(),
  z.object({ action: z.literal('chooseExportFolder') }).strict(),
  z.object({ action: z.literal('choosePlanFolder') }).strict(),
  z.object({ action: z.literal('openPlanFolder') }).strict(),
  z.object({ action: z.literal('saveReport'), fileName: z.string().min(1).max(255), content: z.string() }).strict(),
  z.object({ action: z.literal('printToPdf'), fileName: z.string().min(1).max(255) }).strict(),
]);
export type DesktopRequest = z.infer<typeof DesktopRequestSchema>;
