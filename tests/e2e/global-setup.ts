import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import projectSetup from '../global-setup.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** Where Debian, Ubuntu and Fedora put Chromium (or Chrome); CHROMIUM_PATH names another. */
const BROWSER_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findBrowser(): string | undefined {
  const named = process.env['CHROMIUM_PATH'];
  if (named !== undefined && named !== '') return executable(named) ? named : undefined;
  return BROWSER_CANDIDATES.find(executable);
}

/**
 * The e2e tests drive a real Chromium (never a downloaded one). When none is installed and this runs as root on a
 * Debian-like system, it is installed from the distribution's packages; otherwise the tests stop with what to do.
 */
function ensureBrowser(): string {
  const found = findBrowser();
  if (found !== undefined) return found;
  if (process.env['CHROMIUM_PATH']) throw new Error(`CHROMIUM_PATH=${process.env['CHROMIUM_PATH']} is not an executable browser.`);
  const canInstall = process.getuid?.() === 0 && executable('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      'The end-to-end tests need Chromium and none was found. Install it (Debian/Ubuntu: sudo apt-get install chromium) ' +
        'or set CHROMIUM_PATH to a Chromium or Chrome executable.',
    );
  }
  console.error('e2e: installing Chromium from the Debian packages (apt-get install chromium) ...');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = findBrowser();
  if (installed === undefined) throw new Error('apt-get installed chromium, but no browser was found at ' + BROWSER_CANDIDATES.join(', '));
  return installed;
}

/** Before the e2e files: the compiled engine and demo model, a browser, and the renderer built as users get it. */
export default function setup(): void {
  projectSetup();
  process.env['CHROMIUM_PATH'] = ensureBrowser();
  execFileSync(process.execPath, [path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'error'], {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
