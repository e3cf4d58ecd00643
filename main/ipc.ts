import { writeFile } from 'node:fs/promises';
import type { BrowserWindow } from 'electron';
import { dialog, ipcMain, type IpcMainInvokeEvent, type WebFrameMain } from 'electron';
import { DesktopRequestSchema } from '../src/contract/index.js';
import type { Dispatch } from '../src/host/dispatch.js';
import type { EnginePort } from '../src/host/engine-port.js';

export const API_CHANNEL = 'cotlab:api';
export const DESKTOP_CHANNEL = 'cotlab:desktop';
export const PROGRESS_CHANNEL = 'cotlab:progress';
/** The renderer is served from this origin only (see protocol.ts). */
export const APP_ORIGIN = 'app://workbench';

/** Only the workbench's own top-level page may call: not an iframe, not another origin, not another window. */
export function isTrustedSender(frame: WebFrameMain | null, window: BrowserWindow): boolean {
  if (frame === null || frame !== window.webContents.mainFrame) return false;
  try {
    return new URL(frame.url).origin === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * The contract over IPC: the sender frame is checked, and the dispatcher validates every payload and answer. A path
 * the user picks in a native dialog is granted to the engine for the session (the engine reads no other path).
 */
export function registerIpc(window: BrowserWindow, dispatch: Dispatch, grantPath: EnginePort['grantPath']): void {
  ipcMain.handle(API_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, payload: unknown) => {
    if (!isTrustedSender(event.senderFrame, window)) {
      return { ok: false, error: { code: 'bad_request', message: 'This window is not allowed to call the workbench.', details: [] } };
    }
    return dispatch(String(method), payload);
  });

  /** The first path the dialog answered, granted for `use`; null when it was cancelled. */
  const picked = (result: Electron.OpenDialogReturnValue, use: 'read' | 'write'): string | null => {
    const path = result.canceled ? null : (result.filePaths[0] ?? null);
    if (path !== null) grantPath(path, use);
    return path;
  };

  ipcMain.handle(DESKTOP_CHANNEL, async (event: IpcMainInvokeEvent, raw: unknown) => {
    if (!isTrustedSender(event.senderFrame, window)) return null;
    const parsed = DesktopRequestSchema.safeParse(raw);
    if (!parsed.success) return null;
    const request = parsed.data;
    switch (request.action) {
      case 'openDatasetFile': {
        const result = await dialog.showOpenDialog(window, {
          title: 'Open a dataset',
          properties: ['openFile'],
          filters: [{ name: 'Datasets', extensions: ['tsv', 'csv', 'json', 'jsonl'] }],
        });
        return picked(result, 'read');
      }
      case 'openModelFolder': {
        const result = await dialog.showOpenDialog(window, { title: 'Choose an ONNX model folder', properties: ['openDirectory'] });
        return picked(result, 'read');
      }
      case 'chooseExportFolder': {
        const result = await dialog.showOpenDialog(window, { title: 'Folder for the .npy files', properties: ['openDirectory', 'createDirectory'] });
        return picked(result, 'write');
      }
      case 'choosePlanFolder': {
        const result = await dialog.showOpenDialog(window, { title: 'Empty folder for the cluster plan (on storage the cluster sees)', properties: ['openDirectory', 'createDirectory'] });
        return picked(result, 'write');
      }
      case 'openPlanFolder': {
        const result = await dialog.showOpenDialog(window, { title: 'Folder of a cluster plan whose shards have been computed', properties: ['openDirectory'] });
        return picked(result, 'read');
      }
      case 'saveReport': {
        const result = await dialog.showSaveDialog(window, { title: 'Save report', defaultPath: request.fileName });
        if (result.canceled || !result.filePath) return null;
        await writeFile(result.filePath, request.content, 'utf8');
        return result.filePath;
      }
      case 'printToPdf': {
        const result = await dialog.showSaveDialog(window, { title: 'Save as PDF', defaultPath: request.fileName, filters: [{ name: 'PDF', extensions: ['pdf'] }] });
        if (result.canceled || !result.filePath) return null;
        const pdf = await window.webContents.printToPDF({ printBackground: true, pageSize: 'A4', landscape: true });
        await writeFile(result.filePath, pdf);
        return result.filePath;
      }
    }
  });
}
