import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** sha256 (hex) of a file's bytes, computed here independently of the engine's own hashing. */
export function sha256OfFile(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
