import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestEqual, safeEqual } from '../../src/webhook/auth/safe-equal.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

describe('digestEqual', () => {
  it('compares two 32-byte digests exactly', () => {
    expect(digestEqual(digest('a'), digest('a'))).toBe(true);
    expect(digestEqual(digest('a'), digest('b'))).toBe(false);
    const flipped = Buffer.from(digest('a'));
    flipped[31] = flipped[31]! ^ 1;
    expect(digestEqual(digest('a'), flipped)).toBe(false);
  });

  it('falls back to safeEqual for other lengths instead of throwing', () => {
    expect(digestEqual(digest('a'), digest('a').subarray(0, 31))).toBe(false);
    expect(digestEqual(Buffer.from('short'), Buffer.from('short'))).toBe(true);
    expect(digestEqual(Buffer.alloc(0), digest('a'))).toBe(safeEqual(Buffer.alloc(0), digest('a')));
  });
});
