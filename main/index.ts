import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, session } from 'electron';
import { createDispatcher } from '../src/host/dispatch.js';
import { createEngineSupervisor } from '../src/host/engine-supervisor.js';
import { desktopEngineOptions } from '../src/host/desktop-engine-options.js';
import { utilityEngineSpawner } from './engine-process.js';
import { APP_ORIGIN, PROGRESS_CHANNEL, registerIpc } from './ipc.js';
import { registerAppScheme, serveRenderer } from './protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The app folder: the repository in development, resources/app.asar when packaged. */
const appRoot = app.getAppPath();

registerAppScheme();
app.enableSandbox();

// One window, one engine: a second start would open a second history writer and a second set of run processes.
const primaryInstance = app.requestSingleInstanceLock();
if (!primaryInstance) app.quit();

let mainWindow: BrowserWindow | null = null;
app.on('second-instance', () => {
  if (mainWindow === null || mainWindow.isDestroyed()) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
});

async function createWindow(): Promise<void> {
  serveRenderer(path.join(appRoot, 'dist-renderer'));
  // Nothing may be fetched from outside the app: no remote content, no permissions asked for or checked as granted.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !details.url.startsWith(`${APP_ORIGIN}/`) && !details.url.startsWith('devtools://') });
  });

  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 640,
    title: 'CoTLab Workbench',
    backgroundColor: '#f4f6f8',
    show: false,
    webPreferences: {
      preload: path.join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      // DevTools only while developing: in a packaged build they would open the engine's bridge to anyone at the keyboard.
      devTools: !app.isPackaged,
    },
  });
  mainWindow = window;
  window.once('ready-to-show', () => window.show());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.on('will-redirect', (event) => event.preventDefault());

  const engine = createEngineSupervisor({
    spawn: utilityEngineSpawner(path.join(here, 'worker.js')),
    engine: desktopEngineOptions({
      appRoot,
      userData: app.getPath('userData'),
      documents: app.getPath('documents'),
      appVersion: app.getVersion(),
    }),
  });
  engine.subscribeProgress((event) => {
    if (!window.isDestroyed()) window.webContents.send(PROGRESS_CHANNEL, event);
  });
  registerIpc(window, createDispatcher(engine), (picked, use) => engine.grantPath(picked, use));
  window.on('closed', () => void engine.close());
  await window.loadURL(`${APP_ORIGIN}/index.html`);
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});
app.on('window-all-closed', () => app.quit());
if (primaryInstance) {
  app.whenReady().then(createWindow, (error: unknown) => {
    console.error(error);
    app.quit();
  });
}
