import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time equality. Both sides are hashed first so the comparison always runs on two 32-byte
 * digests: neither an early exit nor a length mismatch tells a caller how close a guess was.
 */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

/**
 * Constant-time equality of two digests that are 32 bytes by construction (an HMAC-SHA256 and a
 * signature already checked to be 64 hex digits or 32 decoded bytes): equal lengths leak nothing, so the
 * two extra hashes of safeEqual are skipped. Anything else goes through safeEqual.
 */
export function digestEqual(a: Buffer, b: Buffer): boolean {
  return a.length === 32 && b.length === 32 ? timingSafeEqual(a, b) : safeEqual(a, b);
}

/**
 * Strict base64 (padding optional): anything Buffer.from would silently skip or truncate is refused,
 * including non-canonical trailing bits, so one credential has exactly one spelling.
 */
export function decodeBase64Strict(value: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return null;
  const stripped = value.replace(/=+$/, '');
  if (value !== stripped && value.length % 4 !== 0) return null;
  if (stripped.length === 0 || stripped.length % 4 === 1) return null;
  const bytes = Buffer.from(stripped, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== stripped) return null;
  return bytes;
}
