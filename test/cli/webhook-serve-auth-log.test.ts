import { describe, expect, it } from 'vitest';
import { createAuthFailureLog } from '../../src/cli/commands/webhook/serve/auth-failure-log.js';

describe('401s in the listener log', () => {
  it('issue 14: repeated 401s from one source are logged once, then counted once a period', () => {
    let now = Date.parse('2026-09-10T09:00:00Z');
    const log = createAuthFailureLog({ periodMs: 60_000, now: () => now });
    expect(log.refused('203.0.113.9', 'bad signature')).toBe(
      '401 from 203.0.113.9: bad signature (repeats from this address are counted once a minute)',
    );
    for (let i = 0; i < 41; i += 1) {
      now += 1000;
      expect(log.refused('203.0.113.9', i === 40 ? 'no credentials' : 'bad signature')).toBeNull();
    }
    // Another source is its own first.
    expect(log.refused('198.51.100.4', 'no credentials')).toMatch(
      /^401 from 198\.51\.100\.4: no credentials/,
    );
    now += 19_000;
    expect(log.flush()).toEqual(['401 from 203.0.113.9: 41 more since 09:00:00 (last: no credentials)']);
    // Nothing new: nothing to say; a source quiet for a whole period is forgotten and logged afresh.
    now += 60_000;
    expect(log.flush()).toEqual([]);
    now += 60_000;
    expect(log.flush()).toEqual([]);
    expect(log.refused('203.0.113.9', 'bad signature')).toMatch(/^401 from 203\.0\.113\.9: bad signature/);
  });

  it('issue 14: a flood from many addresses is bounded: past the limit they are counted together', () => {
    const now = Date.parse('2026-09-10T09:00:00Z');
    const log = createAuthFailureLog({ periodMs: 60_000, now: () => now, maxSources: 3 });
    const lines = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.4'].map(
      (source) => log.refused(source, 'no credentials'),
    );
    expect(lines.filter((line) => line !== null)).toHaveLength(4);
    expect(lines[3]).toMatch(/^401 from other addresses: no credentials/);
    expect(log.flush()).toEqual(['401 from other addresses: 2 more since 09:00:00 (last: no credentials)']);
  });
});
