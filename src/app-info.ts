import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository / installation root (the folder holding package.json, configs/, data/, resources/). */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

let version: string | null = null;

export function appVersion(): string {
  version ??= (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
