import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** Sends a file of the built renderer; `/` is index.html. Paths that leave rendererDir are treated as missing. */
export async function sendRendererFile(rendererDir: string, urlPath: string, response: ServerResponse): Promise<boolean> {
  const root = path.resolve(rendererDir);
  const relative = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  const filePath = path.resolve(root, `.${relative}`);
  if (filePath !== root && !filePath.startsWith(root + path.sep)) return false;
  const info = await stat(filePath).catch(() => null);
  if (!info?.isFile()) return false;
  response.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(filePath)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': 'no-cache',
  });
  await new Promise<void>((resolve, reject) => {
    createReadStream(filePath).on('error', reject).on('end', resolve).pipe(response);
  });
  return true;
}
