import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY_MS, startPruneSchedule, type ScheduleTimer } from '../../src/operations/prune-schedule.js';
import type { PruneResult } from '../../src/operations/prune.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { post, SENT } from './stats-stores.js';

function manualTimer(): ScheduleTimer & {
  pending: Array<{ run: () => void; ms: number }>;
  fire: () => void;
} {
  const pending: Array<{ run: () => void; ms: number }> = [];
  return {
    pending,
    setTimeout: (run, ms) => {
      const entry = { run, ms };
      pending.push(entry);
      return entry;
    },
    clearTimeout: (handle) => {
      const at = pending.indexOf(handle as { run: () => void; ms: number });
      if (at >= 0) pending.splice(at, 1);
    },
    fire: () => pending.shift()?.run(),
  };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('issue 14: webhook serve --retention schedule', () => {
  const tempDir = useTempDir();
  const count = (store: Store) =>
    store.prepare('SELECT count(*) FROM email_tracking_events').pluck().get() as number;
  const oldEvent = (store: Store, i: number) =>
    post(store, {
      id: i.toString(16).padStart(32, '0'),
      event: 'open',
      email_id: '1uSched',
      rcpt: 'a@example.com',
      time: SENT.toISOString(),
    });

  it('prunes once at start, then a day after each run; stop cancels the next one', async () => {
    const store = openStore(join(tempDir(), 'portal.db'));
    oldEvent(store, 1);
    oldEvent(store, 2);
    let now = new Date(SENT.getTime() + 401 * DAY_MS);
    const timer = manualTimer();
    const results: PruneResult[] = [];
    const schedule = startPruneSchedule(
      { olderThanMs: 400 * DAY_MS },
      {
        store,
        now: () => now,
        timer,
        pause: async () => undefined,
        onResult: (r) => results.push(r),
        onError: (e) => {
          throw e;
        },
      },
    );
    await until(() => results.length === 1);
    expect(results[0]?.events).toBe(2);
    expect(timer.pending.map((entry) => entry.ms)).toEqual([DAY_MS]);
    oldEvent(store, 3);
    now = new Date(now.getTime() + DAY_MS);
    timer.fire();
    await until(() => results.length === 2);
    expect(results[1]?.events).toBe(1);
    expect(count(store)).toBe(0);
    expect(timer.pending).toHaveLength(1);
    await schedule.stop();
    expect(timer.pending).toHaveLength(0);
    store.close();
  });

  it('a failed prune is reported and the schedule carries on', async () => {
    const store = openStore(join(tempDir(), 'portal.db'));
    oldEvent(store, 1);
    const timer = manualTimer();
    const errors: unknown[] = [];
    const results: PruneResult[] = [];
    store.close();
    const schedule = startPruneSchedule(
      { olderThanMs: 400 * DAY_MS },
      {
        store,
        now: () => new Date(SENT.getTime() + 401 * DAY_MS),
        timer,
        onResult: (r) => results.push(r),
        onError: (e) => errors.push(e),
      },
    );
    await until(() => errors.length === 1);
    expect(results).toEqual([]);
    expect(timer.pending.map((entry) => entry.ms)).toEqual([DAY_MS]);
    await schedule.stop();
  });
});
