import type { IncomingMessage } from 'node:http';
import { WebhookHttpError } from './errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Bytes of request bodies the listener holds in memory at once, across all requests: 32 bodies of the
 * largest size, or thousands of SMTP2Go's (a few KiB each). Past it a request gets 503 and Retry-After.
 */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

/** A body this large or smaller is the size SMTP2Go sends; larger ones may not fill the whole budget. */
const SMALL_BODY_BYTES = 64 * 1024;

export interface BodyBudget {
  /** Holds `bytes` for one request (its declared length, or 0 for a chunked body), or null if they do not fit. */
  reserve(bytes: number): BodyReservation | null;
}

export interface BodyReservation {
  /** Grows the reservation to `total` bytes; false (and unchanged) if that does not fit. */
  grow(total: number): boolean;
  /** Gives the bytes back; call once the request is answered. Idempotent. */
  release(): void;
}

/**
 * The bytes of request bodies in memory, across all requests, capped at `maxBytes`. A body's bytes are
 * reserved before they are read (the declared length up front, a chunked body as it arrives) and given
 * back once its request is answered. Bodies over 64 KiB may use only three quarters of the cap, so a flood
 * of large bodies (whose senders need not be authenticated: a signature is checked over the body) cannot
 * keep out the small events SMTP2Go sends.
 */
export function createBodyBudget(maxBytes: number): BodyBudget {
  let held = 0;
  const fits = (extra: number, total: number) =>
    held + extra <= (total > SMALL_BODY_BYTES ? Math.floor(maxBytes * 0.75) : maxBytes);
  return {
    reserve(bytes) {
      if (!fits(bytes, bytes)) return null;
      held += bytes;
      let mine = bytes;
      return {
        grow(total) {
          if (mine < 0 || total <= mine) return true;
          if (!fits(total - mine, total)) return false;
          held += total - mine;
          mine = total;
          return true;
        },
        release() {
          if (mine < 0) return;
          held -= mine;
          mine = -1;
        },
      };
    },
  };
}

/** The answer when the budget is spent: 503, so SMTP2Go retries (the server adds Retry-After). */
export function budgetSpent(): WebhookHttpError {
  return new WebhookHttpError(503, 'too many request bodies in memory, retry later');
}

/**
 * Reads a request body into memory, but never more than `maxBytes`: past the limit it stops reading
 * (the stream is paused, so TCP back-pressure stalls the sender) and rejects with 413; the listener then
 * answers and drains the rest without keeping it (linger.ts), so the sender sees the 413. A body that stops
 * arriving for `idleMs` is a 408, so a slow sender cannot hold a socket and a buffer forever.
 */
export function readBody(
  request: IncomingMessage,
  maxBytes: number,
  idleMs: number,
  reservation?: BodyReservation,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const idle = setTimeout(() => fail(new WebhookHttpError(408, `no body bytes for ${idleMs} ms`)), idleMs);

    function settle(): boolean {
      if (settled) return false;
      settled = true;
      clearTimeout(idle);
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      return true;
    }
    function fail(error: unknown): void {
      if (!settle()) return;
      request.pause();
      reject(error);
    }
    function onData(chunk: Buffer): void {
      size += chunk.length;
      if (size > maxBytes) {
        fail(new WebhookHttpError(413, `the body is larger than ${maxBytes} bytes`));
        return;
      }
      if (reservation !== undefined && !reservation.grow(size)) {
        fail(budgetSpent());
        return;
      }
      chunks.push(chunk);
      idle.refresh();
    }
    function onEnd(): void {
      if (settle()) resolve(Buffer.concat(chunks, size));
    }
    function onError(error: Error): void {
      fail(error);
    }
    function onClose(): void {
      fail(new Error('the client went away before the body was complete'));
    }
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** The declared Content-Length, or null when absent (chunked) or unparsable (Node rejects those itself). */
export function declaredLength(request: IncomingMessage): number | null {
  const header = request.headers['content-length'];
  if (header === undefined || !/^\d+$/.test(header)) return null;
  return Number(header);
}
