import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Cookie the server sets once the page was opened with the right ?token=, so the page's own assets load too. */
export const TOKEN_COOKIE = 'cotlab_token';
export const TOKEN_HEADER = 'x-cotlab-token';

/** The token a request carries: header, `Authorization: Bearer`, `?token=` or the session cookie. */
export function presentedToken(request: IncomingMessage, url: URL): string | null {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  const query = url.searchParams.get('token');
  if (query) return query;
  return cookieValue(request.headers.cookie, TOKEN_COOKIE);
}

export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when the Host (and Origin, if sent) name this loopback server. A page on another site that resolves its own
 * name to 127.0.0.1 (DNS rebinding) sends its own Host, so it is refused even before the token check.
 */
export function isLoopbackRequest(request: IncomingMessage, port: number): boolean {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const host = request.headers.host;
  if (host === undefined || !allowed.has(host)) return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return allowed.has(origin.replace(/^http:\/\//, ''));
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}
