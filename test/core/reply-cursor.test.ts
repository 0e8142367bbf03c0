import { describe, expect, it } from 'vitest';
import { isPortalError } from '../../src/core/errors.js';
import { formatReplyCursor, parseReplyCursor } from '../../src/core/reply-cursor.js';

const usageError = (value: string) => {
  try {
    parseReplyCursor(value);
  } catch (error) {
    return isPortalError(error) ? { code: error.code, exit: error.exitCode, message: error.message } : error;
  }
  return null;
};

describe('reply cursor', () => {
  it('round-trips the listing time and id, as opaque URL-safe text', () => {
    const cursor = { at: '2026-11-24T10:00:00.000Z', id: 1234 };
    const text = formatReplyCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text).not.toContain('2026');
    expect(parseReplyCursor(text)).toEqual(cursor);
  });

  it.each([
    ['not base64url', 'abc$%'],
    ['empty', ''],
    ['base64 of something else', Buffer.from('hello').toString('base64url')],
    ['truncated', formatReplyCursor({ at: '2026-11-24T10:00:00.000Z', id: 12 }).slice(0, -3)],
    ['an object, not a pair', Buffer.from('{"at":"2026-11-24T10:00:00.000Z","id":1}').toString('base64url')],
    ['id 0', Buffer.from('["2026-11-24T10:00:00.000Z",0]').toString('base64url')],
    ['a fractional id', Buffer.from('["2026-11-24T10:00:00.000Z",1.5]').toString('base64url')],
    ['an id past 2^53', Buffer.from('["2026-11-24T10:00:00.000Z",9007199254740993]').toString('base64url')],
    ['an id as text', Buffer.from('["2026-11-24T10:00:00.000Z","7"]').toString('base64url')],
    ['a time with other characters', Buffer.from('["2026\' OR 1=1 --",7]').toString('base64url')],
    ['far too long', 'A'.repeat(500)],
  ])('refuses %s as a usage error (exit 2)', (_name, value) => {
    const error = usageError(value);
    expect(error).toMatchObject({ code: 'usage', exit: 2 });
    expect((error as { message: string }).message).toContain('is not a cursor from `replies`');
  });

  it('refuses a second spelling of the same bytes (only the printed one is a cursor)', () => {
    const text = formatReplyCursor({ at: '2026-11-24T10:00:00.000Z', id: 55 });
    // Base64 of a length that is not a multiple of 3 has spare low bits in its last character.
    expect(Buffer.from(text, 'base64url').length % 3).not.toBe(0);
    const last = text.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = text.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(sibling, 'base64url').equals(Buffer.from(text, 'base64url'))).toBe(true);
    expect(usageError(sibling)).toMatchObject({ code: 'usage' });
  });
});
