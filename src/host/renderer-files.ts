import path from 'node:path';

/** A URL path of the built renderer, as the serve mode and the desktop app's app:// handler resolve it. */
export type RendererPath = { kind: 'file'; file: string } | { kind: 'outside' } | { kind: 'malformed' };

/**
 * The file of the built renderer that a URL path names (`/` is index.html). A path that would leave rendererDir is
 * `outside` (answered as missing); a malformed percent-encoding (`/%zz`) is `malformed` (a bad request), never a throw.
 */
export function rendererFilePath(rendererDir: string, urlPath: string): RendererPath {
  let relative: string;
  try {
    relative = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    return { kind: 'malformed' };
  }
  if (relative.includes('\0')) return { kind: 'malformed' };
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, `.${relative}`);
  return file.startsWith(root + path.sep) ? { kind: 'file', file } : { kind: 'outside' };
}
