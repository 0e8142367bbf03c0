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

  it.each(['yesterday', '48', 'h', '2026-13-45', '2026-09-01T25:00:00Z', ''])(
    '%j is a usage error naming --since',
    (value) => {
      expect(() => parseSince(value, now)).toThrow(/--since/);
    },
  );
});

describe('round two #21: parseSince refuses what Date would roll over or cannot hold', () => {
  it.each([
    '2026-02-30T10:00:00Z',
    '2026-02-29',
    '2024-02-30',
    '2026-04-31',
    '2026-00-10',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:60',
    '2026-01-01T10:00:60Z',
    '2026-01-01T10:00:00+24:00',
    '2026-01-01T10:00:00+01:60',
  ])('round two #21: %s is a usage error, not another day', (value) => {
    expect(() => parseSince(value, now)).toThrow(/--since ".*" is not a time/);
  });

  it.each(['200000000d', '99999999999999999999w'])(
    'round two #21: %s is a usage error, not an invalid Date',
    (value) => {
      expect(() => parseSince(value, now, '--until')).toThrow(
        /^--until ".*" goes back further than any date$/,
      );
    },
  );

  it('round two #21: real edge days and offsets still parse', () => {
    expect(parseSince('2024-02-29', now).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseSince('2026-12-31T23:59:59.5-0330', now).toISOString()).toBe('2027-01-01T03:29:59.500Z');
    expect(parseSince('2026-09-01t08:30z', now).toISOString()).toBe('2026-09-01T08:30:00.000Z');
  });
});
