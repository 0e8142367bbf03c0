import { describe, expect, it } from 'vitest';
import { hmacHex, signWebhookBody } from '../../src/webhook/sign.js';

describe('hmacHex', () => {
  it('matches the RFC 4231 HMAC-SHA256 test vector (case 2)', () => {
    expect(hmacHex('what do ya want for nothing?', 'Jefe')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('signs a string as its UTF-8 bytes and a Buffer as is', () => {
    const text = '{"event":"delivered","rcpt":"zoë@example.com"}';
    expect(hmacHex(text, 's')).toBe(hmacHex(Buffer.from(text, 'utf8'), 's'));
    expect(hmacHex(Buffer.from([0xff, 0xfe]), 's')).not.toBe(hmacHex(Buffer.from([0xff, 0xfd]), 's'));
  });
});

describe('signWebhookBody', () => {
  it('is t=<seconds>,v1=<hex HMAC over "<t>.<body>">', () => {
    const header = signWebhookBody('{"a":1}', 'secret', 1_790_000_000);
    expect(header).toBe(`t=1790000000,v1=${hmacHex('1790000000.{"a":1}', 'secret')}`);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });

  it('signs non-UTF-8 bytes without re-encoding them', () => {
    const body = Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0x7d]);
    const expected = hmacHex(Buffer.concat([Buffer.from('5.'), body]), 'k');
    expect(signWebhookBody(body, 'k', 5)).toBe(`t=5,v1=${expected}`);
  });

  it('floors fractional seconds (Date.now() / 1000)', () => {
    expect(signWebhookBody('x', 'k', 1_790_000_000.9)).toBe(signWebhookBody('x', 'k', 1_790_000_000));
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, -1])('refuses %s as a clock', (now) => {
    expect(() => signWebhookBody('x', 'k', now)).toThrow(RangeError);
  });
});
