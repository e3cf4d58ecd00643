import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json above `start`: the same root from the TypeScript sources and from dist/. */
function packageRootAbove(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${start}: the workbench installation is incomplete.`);
    dir = parent;
  }
  return dir;
}

/** The repository / installation root (the folder holding package.json, configs/, data/, resources/). */
export const projectRoot = packageRootAbove(dirname(fileURLToPath(import.meta.url)));

let version: string | null = null;

export function appVersion(): string {
  version ??= (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
