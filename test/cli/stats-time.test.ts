import { describe, expect, it } from 'vitest';
import { offsetSpans, resolveTimeZone, utcOffsetMinutes } from '../../src/core/time-zone.js';
import {
  createTimeFormatter,
  formatDuration,
  formatOffset,
  nativeZone,
  operatorZone,
  relativeToSend,
  renderTable,
  visibleWidth,
} from '../../src/cli/commands/stats/render-format.js';

describe('operatorZone', () => {
  it("is native (no ICU) for the process's own TZ when the system knows the zone", () => {
    expect(nativeZone({ TZ: 'Europe/Paris' }, { TZ: 'Europe/Paris' })).toEqual({
      name: 'Europe/Paris',
      native: true,
    });
    expect(nativeZone({ TZ: ':UTC' }, { TZ: ':UTC' })).toEqual({ name: 'UTC', native: true });
  });

  it('leaves to Intl a TZ that is not the process zone, an unknown zone or a path trick', async () => {
    expect(nativeZone({ TZ: 'Europe/Paris' }, {})).toBeNull();
    expect(nativeZone({ TZ: 'Mars/Olympus' }, { TZ: 'Mars/Olympus' })).toBeNull();
    expect(nativeZone({ TZ: '../../etc/passwd' }, { TZ: '../../etc/passwd' })).toBeNull();
    expect(
      await operatorZone({ TZ: process.env.TZ === 'Asia/Tokyo' ? 'Asia/Seoul' : 'Asia/Tokyo' }),
    ).toMatchObject({ native: false });
  });
});

describe('createTimeFormatter', () => {
  it('native and Intl formatting agree, with the offset of each instant (DST included)', () => {
    const previous = process.env.TZ;
    process.env.TZ = 'Europe/Paris';
    try {
      const native = createTimeFormatter({ name: 'Europe/Paris', native: true });
      const intl = createTimeFormatter('Europe/Paris');
      for (const iso of [
        '2026-11-24T10:00:05.000Z',
        '2026-07-01T22:30:00.000Z',
        '2026-03-29T00:59:59.000Z',
        '2026-03-29T01:00:00.000Z',
      ]) {
        expect(native.at(iso)).toBe(intl.at(iso));
      }
      expect(intl.at('2026-11-24T10:00:05.000Z')).toBe('2026-11-24 11:00:05 +01:00');
      expect(intl.at('2026-07-01T22:30:00.000Z')).toBe('2026-07-02 00:30:00 +02:00');
    } finally {
      if (previous === undefined) delete process.env.TZ;
      else process.env.TZ = previous;
    }
    expect(createTimeFormatter('Asia/Kolkata').at('2026-11-24T10:00:05.000Z')).toBe(
      '2026-11-24 15:30:05 +05:30',
    );
    expect(
      createTimeFormatter('America/New_York').since('2026-11-24T12:00:05.000Z', '2026-11-24T10:00:05.000Z'),
    ).toBe('2026-11-24 07:00:05 -05:00 (2 h after sending)');
    expect(createTimeFormatter('UTC').at(null)).toBe('—');
  });

  it('relative times, durations and offsets', () => {
    expect(relativeToSend('2026-11-24T10:00:00.400Z', '2026-11-24T10:00:00.000Z')).toBe('at sending');
    expect(relativeToSend('2026-11-24T09:59:57.000Z', '2026-11-24T10:00:00.000Z')).toBe('3 s before sending');
    expect(relativeToSend('2026-11-24T10:00:00.000Z', null)).toBeNull();
    expect([350, 45_000, 310_000, 7_200_000, 7_260_000, 90_000_000, 97_200_000].map(formatDuration)).toEqual([
      '350 ms',
      '45 s',
      '5 min 10 s',
      '2 h',
      '2 h 1 min',
      '1 d 1 h',
      '1 d 3 h',
    ]);
    expect([0, 60, -300, 330, 345].map(formatOffset)).toEqual([
      'UTC',
      '+01:00',
      '-05:00',
      '+05:30',
      '+05:45',
    ]);
  });
});

describe('zone offsets for --by day', () => {
  it('reads offsets, including quarter hours', () => {
    expect(utcOffsetMinutes(new Date('2026-01-15T00:00:00Z'), 'Europe/Paris')).toBe(60);
    expect(utcOffsetMinutes(new Date('2026-07-15T00:00:00Z'), 'America/New_York')).toBe(-240);
    expect(utcOffsetMinutes(new Date('2026-07-15T00:00:00Z'), 'Asia/Kathmandu')).toBe(345);
    expect(utcOffsetMinutes(new Date('2026-07-15T00:00:00Z'), 'UTC')).toBe(0);
  });

  it('finds each DST change to the minute', () => {
    expect(
      offsetSpans('Europe/Paris', new Date('2026-03-01T00:00:00Z'), new Date('2026-11-30T00:00:00Z')),
    ).toEqual([
      { until: '2026-03-29T01:00:00.000Z', offsetMinutes: 60 },
      { until: '2026-10-25T01:00:00.000Z', offsetMinutes: 120 },
      { until: null, offsetMinutes: 60 },
    ]);
    expect(
      offsetSpans('Asia/Kolkata', new Date('2026-01-01T00:00:00Z'), new Date('2026-12-31T00:00:00Z')),
    ).toEqual([{ until: null, offsetMinutes: 330 }]);
  });

  it('resolveTimeZone keeps a zone Intl knows and falls back to UTC, with a warning, for anything else', () => {
    expect(resolveTimeZone('Europe/Paris').timeZone).toBe('Europe/Paris');
    expect(resolveTimeZone(':Asia/Tokyo').timeZone).toBe('Asia/Tokyo');
    expect(resolveTimeZone(undefined)).toEqual({
      timeZone: new Intl.DateTimeFormat().resolvedOptions().timeZone,
      warning: null,
    });
    expect(resolveTimeZone('Mars/Olympus')).toEqual({
      timeZone: 'UTC',
      warning: expect.stringMatching(/^TZ "Mars\/Olympus" is not a time zone/),
    });
  });
});

describe('renderTable', () => {
  it('aligns columns by visible width (colour codes take no room), no trailing spaces', () => {
    const red = (text: string) => `\u001b[31m${text}\u001b[39m`;
    expect(visibleWidth(red('bounced'))).toBe(7);
    expect(
      renderTable(
        [
          ['a', red('bounced'), 'x'],
          ['long value', 'ok', ''],
        ],
        { head: ['k', 'status', 'note'] },
      ).split('\n'),
    ).toEqual(['  k           status   note', `  a           ${red('bounced')}  x`, '  long value  ok']);
  });
});
