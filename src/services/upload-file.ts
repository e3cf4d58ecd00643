import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function contentOf(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Stores a file handed over by the browser under its own name (unsafe characters replaced). Dropping the same file
 * again reuses it; another file of the same name gets the first free `-2`, `-3`, ... suffix, so neither is lost.
 */
export function storeUpload(dir: string, fileName: string, content: string): string {
  mkdirSync(dir, { recursive: true });
  const safeName = path.basename(fileName).replace(/[^A-Za-z0-9_.-]+/g, '_');
  const extension = path.extname(safeName);
  const stem = safeName.slice(0, safeName.length - extension.length) || 'dataset';
  for (let copy = 1; ; copy++) {
    const candidate = path.join(dir, copy === 1 ? `${stem}${extension}` : `${stem}-${copy}${extension}`);
    const existing = contentOf(candidate);
    if (existing === content) return candidate;
    if (existing === null) {
      writeFileSync(candidate, content, { encoding: 'utf8', flag: 'wx' });
      return candidate;
    }
  }
}
