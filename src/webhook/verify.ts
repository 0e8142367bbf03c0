import type { IncomingHttpHeaders } from 'node:http';
import { authorizationMatches, parseAuthorization } from './auth/authorization.js';
import { readSingleHeader } from './auth/headers.js';
import {
  checkSignature,
  checkSignatureTime,
  parseSignature,
  type SignatureHeader,
} from './auth/signature.js';

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

const DEFAULT_TOLERANCE_SECONDS = 300;
const MAX_AUTHORIZATION_HEADER_BYTES = 4096;
const MAX_SIGNATURE_HEADER_BYTES = 4096;

/** Epoch seconds stay below this until the year 5138; anything larger is almost surely milliseconds. */
const MAX_PLAUSIBLE_EPOCH_SECONDS = 1e11;

function reject(reason: string): VerifyResult & { ok: false } {
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

/**
 * The verdict the headers alone allow, so a request that can never pass is refused before its body is
 * read: no credentials, a malformed or repeated header, a Bearer/Basic secret that matches (a pass) or
 * does not with no signature to fall back on, a `t=` out of tolerance. Null when only the signature over
 * the body can decide. Fails closed like verifyWebhookRequest, whose verdict it never contradicts.
 */
export function verifyWebhookHeaders(
  headers: IncomingHttpHeaders,
  options: VerifyOptions,
): VerifyResult | null {
  const verdict = screenWebhookHeaders(headers, options);
  return 'ok' in verdict ? verdict : null;
}

/**
 * The headers' verdict, or what is left to check once the body is read (verifySignedBody), so a signed
 * request's headers are read and parsed once.
 */
export function screenWebhookHeaders(
  headers: IncomingHttpHeaders,
  options: VerifyOptions,
): VerifyResult | PendingSignature {
  try {
    const verdict = verifyHeaders(headers, options);
    return 'done' in verdict ? verdict.done : verdict;
  } catch {
    return reject('verification error');
  }
}

/** The signature over the body, for a request screenWebhookHeaders left pending; fails closed. */
export function verifySignedBody(pending: PendingSignature, rawBody: Buffer): VerifyResult {
  if (!Buffer.isBuffer(rawBody)) return reject('body is not raw bytes');
  try {
    return verifyPending(pending, rawBody);
  } catch {
    return reject('verification error');
  }
}

/** Either the verdict, or what is left to check once the body is there: the signature over it. */
/** A request whose headers left only the signature over its body to check. */
export interface PendingSignature {
  signature: SignatureHeader;
  secrets: string[];
  failures: string[];
  now: number;
  tolerance: number;
}

type HeaderVerdict = { done: VerifyResult } | PendingSignature;

function verifyHeaders(headers: IncomingHttpHeaders, options: VerifyOptions): HeaderVerdict {
  const done = (result: VerifyResult) => ({ done: result });
  if (options.insecure === true) return done({ ok: true, method: 'insecure' });
  const secrets = (Array.isArray(options.secrets) ? options.secrets : []).filter(
    (secret): secret is string => typeof secret === 'string' && secret.length > 0,
  );
  if (secrets.length === 0) return done(reject('no webhook secret configured'));
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.nowSeconds;
  if (!Number.isFinite(now) || now < 0 || now >= MAX_PLAUSIBLE_EPOCH_SECONDS)
    return done(reject('invalid clock'));
  if (!Number.isFinite(tolerance) || tolerance < 0) return done(reject('invalid tolerance'));

  const authorization = readSingleHeader(headers, 'authorization', MAX_AUTHORIZATION_HEADER_BYTES);
  const signature = readSingleHeader(headers, 'x-smtp2go-signature', MAX_SIGNATURE_HEADER_BYTES);
  if (authorization.kind === 'invalid') return done(reject(`authorization header ${authorization.reason}`));
  if (signature.kind === 'invalid') return done(reject(`signature header ${signature.reason}`));
  if (authorization.kind === 'absent' && signature.kind === 'absent') return done(reject('no credentials'));

  const credential = authorization.kind === 'value' ? parseAuthorization(authorization.value) : undefined;
  if (credential === null) return done(reject('malformed authorization header'));
  const parsedSignature = signature.kind === 'value' ? parseSignature(signature.value) : undefined;
  if (parsedSignature?.kind === 'malformed') return done(reject(parsedSignature.reason));

  const failures: string[] = [];
  if (credential) {
    if (authorizationMatches(credential, secrets)) return done({ ok: true, method: credential.method });
    failures.push(`${credential.method} credentials did not match`);
  }
  if (parsedSignature === undefined) return done(reject(failures.join('; ')));
  const timely = checkSignatureTime(parsedSignature, now, tolerance);
  if (!timely.ok) return done(reject([...failures, timely.reason].join('; ')));
  return { signature: parsedSignature, secrets, failures, now, tolerance };
}

function verify(headers: IncomingHttpHeaders, rawBody: Buffer, options: VerifyOptions): VerifyResult {
  if (options.insecure !== true && !Buffer.isBuffer(rawBody)) return reject('body is not raw bytes');
  const verdict = verifyHeaders(headers, options);
  return 'done' in verdict ? verdict.done : verifyPending(verdict, rawBody);
}

function verifyPending(verdict: PendingSignature, rawBody: Buffer): VerifyResult {
  const check = checkSignature(verdict.signature, rawBody, verdict.secrets, verdict.now, verdict.tolerance);
  if (check.ok)
    return { ok: true, method: verdict.signature.kind === 'digest' ? 'hmac' : 'hmac-timestamped' };
  return reject([...verdict.failures, check.reason].join('; '));
}
