import { randomBytes } from 'node:crypto';

/** 32 random bytes, base64url: the same strength as `secrets.token_urlsafe(32)` in the portal docs. */
export function generateWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}
