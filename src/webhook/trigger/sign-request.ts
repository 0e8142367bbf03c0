import { signWebhookBody } from '../sign.js';

export type SignMode = 'hmac' | 'bearer' | 'none';

/**
 * The authentication headers for one POST: `hmac` is the portal's own `X-Smtp2go-Signature`
 * (`t=<unix>,v1=<hex>` over `"<t>.<body>"`), `bearer` is what SMTP2Go itself sends.
 */
export function authHeaders(mode: SignMode, body: string, secret: string | null, now: Date): Record<string, string> {
  if (mode === 'none') return {};
  if (secret === null) throw new RangeError('a secret is required to sign');
  if (mode === 'bearer') return { authorization: `Bearer ${secret}` };
  return { 'x-smtp2go-signature': signWebhookBody(body, secret, Math.floor(now.getTime() / 1000)) };
}
