import type { IncomingHttpHeaders } from 'node:http';

export type HeaderRead =
  { kind: 'absent' } | { kind: 'value'; value: string } | { kind: 'invalid'; reason: string };

/**
 * One header value that is safe to parse, or why not. Node lower-cases names, but callers and tests may
 * build the object by hand, so names match case-insensitively and two spellings count as a duplicate.
 * Arrays (repeated headers) are refused outright: with two credentials we cannot tell which one was meant.
 */
export function readSingleHeader(headers: IncomingHttpHeaders, name: string, maxBytes: number): HeaderRead {
  const found: unknown[] = [];
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() === name) found.push(headers[key]);
  }
  const present = found.filter((value) => value !== undefined);
  if (present.length === 0) return { kind: 'absent' };
  if (present.length > 1) return { kind: 'invalid', reason: 'repeated' };
  const raw = present[0];
  if (Array.isArray(raw)) return { kind: 'invalid', reason: 'repeated' };
  if (typeof raw !== 'string') return { kind: 'invalid', reason: 'not text' };
  if (raw.length > maxBytes) return { kind: 'invalid', reason: 'too large' };
  // Printable ASCII only: obs-text (latin1 bytes) and control characters have no place in a credential.
  if (!/^[\x20-\x7e]*$/.test(raw)) return { kind: 'invalid', reason: 'non-ASCII' };
  const value = raw.trim();
  if (value.length === 0) return { kind: 'invalid', reason: 'empty' };
  return { kind: 'value', value };
}
