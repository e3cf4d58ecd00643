import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/** Folder and file name of the history inside the user's data directory. */
const APP_FOLDER = 'cotlab-workbench';
const DB_FILE = 'history.sqlite';

/**
 * Where the history lives when no path is given: $COTLAB_WB_DB, else the platform's per-user data directory
 * ($XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support on macOS, %APPDATA% on Windows).
 */
export function defaultDbPath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  const explicit = nonEmpty(env.COTLAB_WB_DB);
  if (explicit !== undefined) return explicit;
  const paths = platform === 'win32' ? win32 : posix;
  return paths.join(userDataDir(env, platform, home), APP_FOLDER, DB_FILE);
}

function userDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support');
  if (platform === 'win32') return nonEmpty(env.APPDATA) ?? win32.join(home, 'AppData', 'Roaming');
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = nonEmpty(env.XDG_DATA_HOME);
  return xdg !== undefined && posix.isAbsolute(xdg) ? xdg : posix.join(home, '.local', 'share');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
