import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { protocol } from 'electron';
import { rendererFilePath } from '../src/host/renderer-files.js';
import { RENDERER_CSP } from '../src/host/security-headers.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Must run before app 'ready': app:// behaves like https (secure, standard), so 'self' in the CSP means it. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves the built renderer at app://workbench/, nothing outside its folder, always with the CSP header. The URL is
 * resolved by the same pure function as serve mode's, so a malformed %-escape is a 400 answer, never a thrown error.
 */
export function serveRenderer(rendererDir: string): void {
  protocol.handle('app', async (request) => {
    try {
      const url = new URL(request.url);
      const target = url.host === 'workbench' ? rendererFilePath(rendererDir, url.pathname) : ({ kind: 'outside' } as const);
      if (target.kind === 'malformed') return new Response('Bad request', { status: 400 });
      if (target.kind === 'outside') return new Response('Not found', { status: 404 });
      return new Response(await readFile(target.file), {
        headers: { 'content-type': CONTENT_TYPES[path.extname(target.file)] ?? 'application/octet-stream', 'content-security-policy': RENDERER_CSP },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
