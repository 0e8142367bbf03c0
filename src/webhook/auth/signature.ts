import { hmacDigest, timestampedMac } from '../sign.js';
import { decodeBase64Strict, digestEqual } from './safe-equal.js';

export type SignatureHeader =
  { kind: 'digest'; digest: Buffer } | { kind: 'timestamped'; t: string; v1: Buffer[] };

export type SignatureParse = SignatureHeader | { kind: 'malformed'; reason: string };

const HEX_DIGEST = /^[0-9a-fA-F]{64}$/;

/**
 * The accepted spellings of `X-Smtp2go-Signature`: hex (either case), `sha256=<hex>`, base64 (standard or
 * URL alphabet) of the 32-byte digest, or `t=<unix>,v1=<hex>[,v1=<hex>...]`. No whitespace inside the
 * timestamped form, so two headers Node joined with ", " never parse.
 */
export function parseSignature(value: string): SignatureParse {
  if (HEX_DIGEST.test(value)) return { kind: 'digest', digest: Buffer.from(value, 'hex') };
  const prefixed = /^sha256=(.*)$/i.exec(value);
  if (prefixed) {
    const hex = prefixed[1] ?? '';
    return HEX_DIGEST.test(hex)
      ? { kind: 'digest', digest: Buffer.from(hex, 'hex') }
      : { kind: 'malformed', reason: 'malformed signature' };
  }
  if (value.includes(',') || /^[a-z0-9]+=[^=]/i.test(value)) return parseTimestamped(value);
  const decoded = decodeBase64Strict(value.replace(/-/g, '+').replace(/_/g, '/'));
  if (decoded && decoded.length === 32) return { kind: 'digest', digest: decoded };
  return { kind: 'malformed', reason: 'malformed signature' };
}

function parseTimestamped(value: string): SignatureParse {
  const ts: string[] = [];
  const v1: Buffer[] = [];
  for (const part of value.split(',')) {
    const match = /^([a-z0-9]+)=([^\s=,]*)$/i.exec(part);
    if (!match) return { kind: 'malformed', reason: 'malformed signature' };
    const key = (match[1] ?? '').toLowerCase();
    const field = match[2] ?? '';
    if (key === 't') ts.push(field);
    else if (key === 'v1') {
      if (!HEX_DIGEST.test(field)) return { kind: 'malformed', reason: 'malformed signature' };
      v1.push(Buffer.from(field, 'hex'));
    }
    // Other schemes (v0, a future v2) are ignored, as Stripe does, so senders can add them without breaking us.
  }
  const t = ts[0];
  if (ts.length !== 1 || t === undefined || !/^\d{1,12}$/.test(t)) {
    return { kind: 'malformed', reason: 'unparseable signature timestamp' };
  }
  if (v1.length === 0) return { kind: 'malformed', reason: 'malformed signature' };
  return { kind: 'timestamped', t, v1 };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** The part of the check that needs no body: a `t=` too far from now fails whatever it signs. */
export function checkSignatureTime(
  signature: SignatureHeader,
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureCheck {
  if (signature.kind === 'timestamped' && Math.abs(nowSeconds - Number(signature.t)) > toleranceSeconds) {
    return { ok: false, reason: 'signature timestamp outside tolerance' };
  }
  return { ok: true };
}

export function checkSignature(
  signature: SignatureHeader,
  rawBody: Buffer,
  secrets: readonly string[],
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureCheck {
  let matched = false;
  if (signature.kind === 'digest') {
    for (const secret of secrets) {
      if (digestEqual(signature.digest, hmacDigest(rawBody, secret))) matched = true;
    }
    return matched ? { ok: true } : { ok: false, reason: 'signature did not match' };
  }
  const timely = checkSignatureTime(signature, nowSeconds, toleranceSeconds);
  if (!timely.ok) return timely;
  for (const secret of secrets) {
    const expected = timestampedMac(rawBody, secret, signature.t);
    for (const candidate of signature.v1) {
      if (digestEqual(candidate, expected)) matched = true;
    }
  }
  return matched ? { ok: true } : { ok: false, reason: 'signature did not match' };
}
