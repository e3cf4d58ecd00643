import path from 'node:path';
import type { EngineOptions } from '../services/engine-options.js';
import { defaultDbPath } from '../store/default-db-path.js';

/** Where the desktop app's engine keeps its files: Electron's folders for caches, uploads and reports. */
export interface DesktopFolders {
  /** The app folder: the repository in development, resources/app.asar when packaged. */
  appRoot: string;
  userData: string;
  documents: string;
  appVersion: string;
}

/**
 * Engine options of the desktop app; the history is the same file the CLI uses (COTLAB_WB_DB or the default). The
 * engine reads and writes only paths the user picks in a native dialog during the session (EnginePort.grantPath).
 */
export function desktopEngineOptions(folders: DesktopFolders): EngineOptions {
  return {
    root: folders.appRoot,
    configDir: path.join(folders.appRoot, 'configs'),
    cacheDir: path.join(folders.userData, 'cache'),
    dbPath: defaultDbPath(),
    uploadDir: path.join(folders.userData, 'uploads'),
    outputRoot: path.join(folders.documents, 'CoTLab Workbench'),
    appVersion: folders.appVersion,
    paths: { kind: 'granted', read: [], write: [] },
  };
}
