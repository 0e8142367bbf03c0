import type { IncomingMessage } from 'node:http';
import { WebhookHttpError } from './errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads a request body into memory, but never more than `maxBytes`: past the limit it stops reading
 * (the stream is paused, so TCP back-pressure stalls the sender) and rejects with 413; the listener then
 * answers and drains the rest without keeping it (linger.ts), so the sender sees the 413. A body that stops
 * arriving for `idleMs` is a 408, so a slow sender cannot hold a socket and a buffer forever.
 */
export function readBody(request: IncomingMessage, maxBytes: number, idleMs: number): Promise<Buffer> {
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
