import type { IncomingHttpHeaders } from 'node:http';
import { authorizationMatches, parseAuthorization } from './auth/authorization.js';
import { readSingleHeader } from './auth/headers.js';
import { checkSignature, parseSignature } from './auth/signature.js';

export interface VerifyOptions {
  /** Current secret first, then the previous one (rotation). Empty strings are ignored. */
  secrets: string[];
  insecure?: boolean;
  nowSeconds: number;
  /** How far `t=` may be from now, either side. Default 300. */
  toleranceSeconds?: number;
}

export type VerifyResult =
  | { ok: true; method: 'bearer' | 'basic' | 'hmac' | 'hmac-timestamped' | 'insecure' }
  | { ok: false; reason: string };

export const DEFAULT_TOLERANCE_SECONDS = 300;
export const MAX_AUTHORIZATION_HEADER_BYTES = 4096;
export const MAX_SIGNATURE_HEADER_BYTES = 4096;

/** Epoch seconds stay below this until the year 5138; anything larger is almost surely milliseconds. */
const MAX_PLAUSIBLE_EPOCH_SECONDS = 1e11;

function reject(reason: string): VerifyResult {
  return { ok: false, reason };
}

/**
 * Fails closed: a request passes only when some method matches some configured secret. Any structural
 * doubt about a credential header (repeated, oversized, non-ASCII, malformed) rejects the whole request
 * even if another header would pass, and any exception is a rejection. Reasons are fixed phrases: they
 * never echo a header, a secret or the body.
 */
export function verifyWebhookRequest(
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  options: VerifyOptions,
): VerifyResult {
  try {
    return verify(headers, rawBody, options);
  } catch {
    return reject('verification error');
  }
}

function verify(headers: IncomingHttpHeaders, rawBody: Buffer, options: VerifyOptions): VerifyResult {
  if (options.insecure === true) return { ok: true, method: 'insecure' };
  const secrets = (Array.isArray(options.secrets) ? options.secrets : []).filter(
    (secret): secret is string => typeof secret === 'string' && secret.length > 0,
  );
  if (secrets.length === 0) return reject('no webhook secret configured');
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.nowSeconds;
  if (!Number.isFinite(now) || now < 0 || now >= MAX_PLAUSIBLE_EPOCH_SECONDS) return reject('invalid clock');
  if (!Number.isFinite(tolerance) || tolerance < 0) return reject('invalid tolerance');
  if (!Buffer.isBuffer(rawBody)) return reject('body is not raw bytes');

  const authorization = readSingleHeader(headers, 'authorization', MAX_AUTHORIZATION_HEADER_BYTES);
  const signature = readSingleHeader(headers, 'x-smtp2go-signature', MAX_SIGNATURE_HEADER_BYTES);
  if (authorization.kind === 'invalid') return reject(`authorization header ${authorization.reason}`);
  if (signature.kind === 'invalid') return reject(`signature header ${signature.reason}`);
  if (authorization.kind === 'absent' && signature.kind === 'absent') return reject('no credentials');

  const credential = authorization.kind === 'value' ? parseAuthorization(authorization.value) : undefined;
  if (credential === null) return reject('malformed authorization header');
  const parsedSignature = signature.kind === 'value' ? parseSignature(signature.value) : undefined;
  if (parsedSignature?.kind === 'malformed') return reject(parsedSignature.reason);

  const failures: string[] = [];
  if (credential) {
    if (authorizationMatches(credential, secrets)) return { ok: true, method: credential.method };
    failures.push(`${credential.method} credentials did not match`);
  }
  if (parsedSignature) {
    const check = checkSignature(parsedSignature, rawBody, secrets, now, tolerance);
    if (check.ok) return { ok: true, method: parsedSignature.kind === 'digest' ? 'hmac' : 'hmac-timestamped' };
    failures.push(check.reason);
  }
  return reject(failures.join('; '));
}
