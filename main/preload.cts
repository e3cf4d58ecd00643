// Sandboxed preload (CommonJS, no Node modules beyond electron): exposes only the workbench contract. Payloads are
// validated in the main process and again in the engine process, so this side only forwards.
// A sandboxed preload must be CommonJS; with verbatimModuleSyntax that means TypeScript's import-require form.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');
import type { ApiMethod, ApiOutcome, CotlabDesktopBridge } from '../src/contract/index.js' with { 'resolution-mode': 'import' };

const { contextBridge, ipcRenderer } = electron;

const bridge: CotlabDesktopBridge = {
  call: (method: ApiMethod, payload: unknown) => ipcRenderer.invoke('cotlab:api', method, payload) as Promise<ApiOutcome<ApiMethod>>,
  onProgress(listener) {
    const forward = (_event: electron.IpcRendererEvent, progress: unknown) => listener(progress);
    ipcRenderer.on('cotlab:progress', forward);
    return () => {
      ipcRenderer.removeListener('cotlab:progress', forward);
    };
  },
  openDatasetFile: () => ipcRenderer.invoke('cotlab:desktop', { action: 'openDatasetFile' }) as Promise<string | null>,
  openModelFolder: () => ipcRenderer.invoke('cotlab:desktop', { action: 'openModelFolder' }) as Promise<string | null>,
  chooseExportFolder: () => ipcRenderer.invoke('cotlab:desktop', { action: 'chooseExportFolder' }) as Promise<string | null>,
  choosePlanFolder: () => ipcRenderer.invoke('cotlab:desktop', { action: 'choosePlanFolder' }) as Promise<string | null>,
  openPlanFolder: () => ipcRenderer.invoke('cotlab:desktop', { action: 'openPlanFolder' }) as Promise<string | null>,
  saveReport: (fileName, content) => ipcRenderer.invoke('cotlab:desktop', { action: 'saveReport', fileName, content }) as Promise<string | null>,
  printToPdf: (fileName) => ipcRenderer.invoke('cotlab:desktop', { action: 'printToPdf', fileName }) as Promise<string | null>,
};

contextBridge.exposeInMainWorld('cotlab', bridge);
