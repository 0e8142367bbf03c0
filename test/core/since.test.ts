import { describe, expect, it } from 'vitest';
import { parseSince } from '../../src/core/since.js';

const now = new Date('2026-09-12T12:00:00Z');

describe('parseSince', () => {
  it.each([
    ['48h', '2026-09-10T12:00:00.000Z'],
    ['7d', '2026-09-05T12:00:00.000Z'],
    ['90m', '2026-09-12T10:30:00.000Z'],
    ['2w', '2026-08-29T12:00:00.000Z'],
    ['2026-09-01', '2026-09-01T00:00:00.000Z'],
    ['2026-09-01T08:30', '2026-09-01T08:30:00.000Z'],
    ['2026-09-01 08:30:15', '2026-09-01T08:30:15.000Z'],
    ['2026-09-01T08:30:00+02:00', '2026-09-01T06:30:00.000Z'],
    ['2026-09-01T08:30:00Z', '2026-09-01T08:30:00.000Z'],
  ])('%s → %s', (value, expected) => {
    expect(parseSince(value, now).toISOString()).toBe(expected);
  });

  it.each(['yesterday', '48', 'h', '2026-13-45', '2026-09-01T25:00:00Z', ''])('%j is a usage error naming --since', (value) => {
    expect(() => parseSince(value, now)).toThrow(/--since/);
  });
});
