import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_HEADER = 'x-cotlab-token';

/**
 * The session cookie that holds the token once the page was opened with the printed URL. Named for the port: cookies
 * ignore ports, so two servers on one machine would otherwise overwrite each other's.
 */
export function tokenCookieName(port: number): string {
  return `cotlab_token_${port}`;
}

/** The Set-Cookie value: never readable by scripts (HttpOnly), never sent from another site (SameSite=Strict). */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/**
 * The token a request carries: the `x-cotlab-token` header, `Authorization: Bearer`, or the session cookie. A token
 * in the URL is not accepted here: it only opens the page once (see http.ts), so it does not linger in URLs and logs.
 */
export function presentedToken(request: IncomingMessage, port: number): string | null {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header.length > 0) return header;
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice('Bearer '.length);
  return cookieValue(request.headers.cookie, tokenCookieName(port));
}

export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * True when the Host (and Origin, if sent) name this loopback server. A page on another site that resolves its own
 * name to 127.0.0.1 (DNS rebinding) sends its own Host, so it is refused even before the token check; a page of
 * another local server sends its own Origin.
 */
export function isLoopbackRequest(request: IncomingMessage, port: number): boolean {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const host = request.headers.host;
  if (host === undefined || !allowed.has(host)) return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return allowed.has(origin.replace(/^http:\/\//, ''));
}

/** The raw value of one cookie (the token needs no decoding: it is base64url). */
function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}
