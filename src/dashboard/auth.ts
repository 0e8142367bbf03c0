import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** 256 random bits, URL-safe: printed once in the start URL, as Jupyter prints its token. */
export function createDashboardToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time over two SHA-256 digests, so neither a length nor an early exit says how close a guess was. */
function tokenMatches(candidate: string, token: string): boolean {
  const a = createHash('sha256').update(candidate).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/**
 * Cookies ignore the port, so two dashboards on one machine would overwrite one cookie: the name carries
 * the port.
 */
function cookieName(port: number): string {
  return `smtp2go_portal_dashboard_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

/** Where the request's token came from, or null when it carries none that matches. */
export type Credential = 'cookie' | 'bearer' | 'query';

export function findCredential(
  request: IncomingMessage,
  query: URLSearchParams,
  port: number,
  token: string,
): Credential | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    // A wrong Authorization header is a wrong credential, whatever a cookie says: a script meant it.
    const bearer = /^Bearer +([^\s]+) *$/i.exec(authorization)?.[1];
    return bearer !== undefined && tokenMatches(bearer, token) ? 'bearer' : null;
  }
  const fromCookie = readCookie(request.headers.cookie, cookieName(port));
  if (fromCookie !== null && tokenMatches(fromCookie, token)) return 'cookie';
  const fromQuery = query.getAll('token');
  if (fromQuery.length === 1 && tokenMatches(fromQuery[0] as string, token)) return 'query';
  return null;
}

function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * DNS rebinding: a page on evil.example whose name later resolves to 127.0.0.1 reaches this server with
 * `Host: evil.example`. Only names that cannot be rebound pass: IP literals, `localhost` and `*.localhost`
 * (browsers resolve those to loopback themselves), plus names the operator bound explicitly.
 */
export function hostAllowed(hostHeader: string | undefined, extraNames: readonly string[]): boolean {
  if (hostHeader === undefined) return false;
  const name = hostName(hostHeader);
  if (name === null) return false;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) !== 0) return true;
  return extraNames.includes(name);
}

function hostName(hostHeader: string): string | null {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(hostHeader.trim());
  if (match === null) return null;
  const name = (match[1] as string).toLowerCase();
  return name.startsWith('[') ? name.slice(1, -1) : name.replace(/\.$/, '');
}

/**
 * Another origin must not read the API or the stream, cookie or not: SameSite=Strict still sends the cookie
 * from another port of the same host (a different origin but the same site). A browser names the requesting
 * origin (`Origin`, `Sec-Fetch-Site`); a script sends neither and is judged by its token alone.
 */
export function sameOriginRequest(request: IncomingMessage): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  return origin === `http://${request.headers.host ?? ''}`;
}
