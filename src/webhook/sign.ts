import { createHmac } from 'node:crypto';

function toBytes(rawBody: string | Buffer): Buffer {
  return typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
}

/** Plain HMAC-SHA256 of the raw body bytes (the untimestamped `X-Smtp2go-Signature` form). */
export function hmacDigest(rawBody: string | Buffer, secret: string): Buffer {
  return createHmac('sha256', secret).update(toBytes(rawBody)).digest();
}

/** hmacDigest as lowercase hex, as it is sent. */
export function hmacHex(rawBody: string | Buffer, secret: string): string {
  return hmacDigest(rawBody, secret).toString('hex');
}

/**
 * HMAC-SHA256 over `"<t>.<raw body>"`. The prefix and the body are fed as separate byte chunks so a body
 * that is not valid UTF-8 is signed exactly as it travels, never re-encoded.
 */
export function timestampedMac(rawBody: string | Buffer, secret: string, t: string): Buffer {
  return createHmac('sha256', secret).update(`${t}.`, 'utf8').update(toBytes(rawBody)).digest();
}

/** `t=<nowSeconds>,v1=<hex>`, what the portal's relays, replay tools and tests send. */
export function signWebhookBody(rawBody: string | Buffer, secret: string, nowSeconds: number): string {
  if (!Number.isFinite(nowSeconds) || nowSeconds < 0) {
    throw new RangeError('nowSeconds must be a non-negative number of epoch seconds');
  }
  const t = String(Math.floor(nowSeconds));
  return `t=${t},v1=${timestampedMac(rawBody, secret, t).toString('hex')}`;
}
