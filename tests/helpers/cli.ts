import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_BIN = path.join(repoRoot, 'bin', 'cotlab-wb.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, with its history database and caches in a scratch folder. */
export function runCli(args: readonly string[], scratch: string, extraEnv: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: scratch,
    encoding: 'utf8',
    env: {
      ...process.env,
      COTLAB_WB_DB: path.join(scratch, 'history.sqlite'),
      COTLAB_WB_CACHE: path.join(scratch, 'cache'),
      ...extraEnv,
    },
    timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
