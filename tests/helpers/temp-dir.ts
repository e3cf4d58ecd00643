import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A scratch folder for a test file's databases, models and report folders. */
export interface TempDir {
  dir: string;
  /** A path inside the folder. */
  path(name: string): string;
  /** Deletes the folder with everything inside. */
  remove(): void;
}

export function makeTempDir(prefix: string): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), `cotlab-${prefix}-`));
  return {
    dir,
    path: (name) => path.join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
