import { decodeBase64Strict, safeEqual } from './safe-equal.js';

export type AuthorizationCredential = { method: 'bearer' | 'basic'; secret: Buffer };

/**
 * `Bearer <token>` or `Basic base64(user:password)`; anything else (other schemes, missing or extra
 * parameters, bad base64, no colon) is malformed. The user name is ignored: SMTP2Go lets the operator
 * pick any user, and only the password carries the secret.
 */
export function parseAuthorization(value: string): AuthorizationCredential | null {
  const match = /^([A-Za-z]+) +([^ ]+)$/.exec(value);
  if (!match) return null;
  const scheme = (match[1] ?? '').toLowerCase();
  const param = match[2] ?? '';
  if (scheme === 'bearer') return { method: 'bearer', secret: Buffer.from(param, 'utf8') };
  if (scheme !== 'basic') return null;
  const decoded = decodeBase64Strict(param);
  if (!decoded) return null;
  const colon = decoded.indexOf(0x3a);
  if (colon < 0) return null;
  return { method: 'basic', secret: decoded.subarray(colon + 1) };
}

export function authorizationMatches(
  credential: AuthorizationCredential,
  secrets: readonly string[],
): boolean {
  let matched = false;
  // Every secret is compared (no early exit) so timing does not reveal whether the current or the previous one matched.
  for (const secret of secrets) {
    if (safeEqual(credential.secret, Buffer.from(secret, 'utf8'))) matched = true;
  }
  return matched;
}
