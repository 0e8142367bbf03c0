import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { MIN_RETENTION_MS, parseRetentionWindow } from '../../src/core/retention.js';
import { createBatchSizer, runPrune } from '../../src/operations/prune.js';
import { runReplyStats } from '../../src/operations/stats.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { storeBackends } from '../helpers/postgres.js';
import { deliveredAndOpened, fromFixture, multiWithBounce, post, recordSend, SENT } from './stats-stores.js';

const DAY = 86_400_000;
// 430 days after the stats scenarios' send: their events (Nov 2026) are older than a 400-day window.
const NOW = new Date(SENT.getTime() + 430 * DAY);
const noPause = async () => undefined;
const count = (db: Store, where = '1 = 1') =>
  db.prepare(`SELECT count(*) FROM email_tracking_events WHERE ${where}`).pluck().get() as number;

describe.each(storeBackends())('issue 14: prune --older-than on $name', (backend) => {
  const location = backend.useLocations();

  async function scenario(): Promise<{ store: Store; old: number; bounced: number; recent: number }> {
    const store = openStore(await location());
    const old = deliveredAndOpened(store);
    const bounced = multiWithBounce(store);
    const recentAt = new Date(NOW.getTime() - 10 * DAY);
    const recent = recordSend(store, {
      to: ['new@example.com'],
      transport: 'api',
      emailId: '1uRecent-01',
      sentAt: recentAt,
    });
    post(
      store,
      fromFixture('delivered.live.json', {
        email_id: '1uRecent-01',
        rcpt: 'new@example.com',
        time: new Date(recentAt.getTime() + 5000).toISOString(),
        id: 'a'.repeat(32),
      }),
    );
    // Just inside the window: kept. Without a time of its own: its receipt time decides (old here).
    post(
      store,
      fromFixture('open.docs.json', {
        email_id: '1uRecent-01',
        rcpt: 'new@example.com',
        time: new Date(NOW.getTime() - 399 * DAY).toISOString(),
        id: 'b'.repeat(32),
      }),
    );
    const { time: _time, ...timeless } = fromFixture('open.docs.json', {
      email_id: '1uStray-01',
      rcpt: 'x@example.com',
      id: 'c'.repeat(32),
    }) as Record<string, unknown>;
    post(store, timeless, new Date(NOW.getTime() - 401 * DAY));
    return { store, old, bounced, recent };
  }

  it('deletes events older than the window by event time (else receipt time), keeps newer ones and every reply summary', async () => {
    const { store, old, bounced, recent } = await scenario();
    const before = {
      old: runReplyStats({ replyId: old }, { store }).document,
      bounced: runReplyStats({ replyId: bounced }, { store }).document,
    };
    const total = count(store);
    const result = await runPrune(
      { olderThanMs: 400 * DAY, dryRun: false },
      { store, now: () => NOW, pause: noPause },
    );
    expect(result).toMatchObject({
      window: '400d',
      cutoff: new Date(NOW.getTime() - 400 * DAY).toISOString(),
      dryRun: false,
      events: 9,
      interrupted: false,
    });
    expect(result.byType).toEqual({ processed: 2, delivered: 3, open: 3, bounce: 1 });
    expect(result.oldest).toBe(new Date(SENT.getTime() + 1000).toISOString());
    expect(count(store)).toBe(total - 9);
    expect(count(store, `notification_id IN ('${'a'.repeat(32)}', '${'b'.repeat(32)}')`)).toBe(2);
    expect(count(store, `occurred_at < '${result.cutoff}'`)).toBe(0);
    for (const [id, was] of [
      [old, before.old],
      [bounced, before.bounced],
    ] as const) {
      const after = runReplyStats({ replyId: id }, { store }).document;
      expect(after.events).toEqual([]);
      // The summary a help-desk agent reads is unchanged: status, first times, counts, per recipient too.
      expect({ ...after, events: [], clicks: [] }).toEqual({ ...was, events: [], clicks: [] });
      expect(after.has_tracking).toBe(true);
    }
    expect(runReplyStats({ replyId: recent }, { store }).document.events.map((e) => e.type)).toEqual([
      'open',
      'delivered',
    ]);
    store.close();
  });

  it('--dry-run counts exactly what a real run deletes and deletes nothing', async () => {
    const { store } = await scenario();
    const total = count(store);
    const dry = await runPrune(
      { olderThanMs: 400 * DAY, dryRun: true },
      { store, now: () => NOW, pause: noPause },
    );
    expect(count(store)).toBe(total);
    const real = await runPrune(
      { olderThanMs: 400 * DAY, dryRun: false },
      { store, now: () => NOW, pause: noPause },
    );
    expect({ ...dry, dryRun: false, batches: 0, longestBatchMs: 0, ms: 0 }).toEqual({
      ...real,
      batches: 0,
      longestBatchMs: 0,
      ms: 0,
    });
    expect(dry.batches).toBe(0);
    store.close();
  });

  it('sizes batches by their measured lock time: an over-budget batch halves, then they settle near the target', async () => {
    const store = openStore(await location());
    const body = (i: number) => ({
      id: i.toString(16).padStart(32, '0'),
      event: 'delivered',
      email_id: `1uMany-${i % 50}`,
      rcpt: `u${i}@example.com`,
      time: new Date(SENT.getTime() + i * 1000).toISOString(),
    });
    store.transaction(() => {
      for (let i = 0; i < 1_500; i++) post(store, body(i));
    })();
    // A clock that charges 0.6 ms per row deleted so far: deterministic lock times (100 rows = 60 ms).
    const clock = () => (1_500 - count(store)) * 0.6;
    const pauses: number[] = [];
    const sizes: number[] = [];
    const result = await runPrune(
      { olderThanMs: 400 * DAY, dryRun: false },
      {
        store,
        now: () => NOW,
        clock,
        pause: async (ms) => void pauses.push(ms),
        onProgress: (p) => void sizes.push(p.batchRows),
      },
    );
    expect(result.events).toBe(1_500);
    expect(count(store)).toBe(0);
    // 100 rows (60 ms, over the 50 ms budget) → 50 rows (30 ms) → 16 rows (9.6 ms, the 10 ms target) from then on.
    expect(sizes.slice(0, 5)).toEqual([100, 50, 16, 16, 16]);
    expect(result.longestBatchMs).toBeCloseTo(60);
    expect(result.batches).toBe(2 + Math.ceil((1_500 - 150) / 16));
    // Between batches the listener gets the lock for at least 30 ms, and as long as the batch held it.
    expect(
      pauses
        .filter((ms) => ms > 0)
        .slice(0, 3)
        .map(Math.round),
    ).toEqual([60, 30, 30]);
    store.close();
  });

  it('stops between batches when the listener shuts down', async () => {
    const store = openStore(await location());
    store.transaction(() => {
      for (let i = 0; i < 600; i++)
        post(store, {
          id: i.toString(16).padStart(32, '0'),
          event: 'open',
          email_id: '1uStop',
          rcpt: 'a@example.com',
          time: SENT.toISOString(),
        });
    })();
    let batches = 0;
    const result = await runPrune(
      { olderThanMs: 400 * DAY, dryRun: false },
      {
        store,
        now: () => NOW,
        pause: noPause,
        onProgress: () => void (batches += 1),
        stopped: () => batches >= 1,
      },
    );
    expect(result).toMatchObject({ interrupted: true, events: 100, batches: 1 });
    expect(count(store)).toBe(500);
    store.close();
  });
});

describe('issue 14: prune --older-than, without a store', () => {
  it('the batch sizer: at most doubles, halves over budget, trusts a fast batch only slowly after a slow one', () => {
    const fast = createBatchSizer(10, 50);
    expect(fast.size()).toBe(100);
    fast.record(100, 1);
    expect(fast.size()).toBe(200);
    fast.record(200, 120);
    expect(fast.size()).toBe(100);
    const cautious = createBatchSizer(10, 50);
    cautious.record(100, 10);
    expect(cautious.size()).toBe(100);
    cautious.record(100, 1);
    expect(cautious.size()).toBe(124); // 10 ms over a per-row estimate of 0.08 ms (a fifth down from 0.1), floored
    const bounded = createBatchSizer(10, 50);
    for (let i = 0; i < 20; i++) bounded.record(bounded.size(), 0);
    expect(bounded.size()).toBe(2_000);
    for (let i = 0; i < 20; i++) bounded.record(bounded.size(), 500);
    expect(bounded.size()).toBe(10);
  });

  it('refuses a window under 3 days (SMTP2Go retries for 48 h) as a usage error', () => {
    expect(() => parseRetentionWindow('2d', '--older-than')).toThrow(UsageError);
    expect(() => parseRetentionWindow('71h', '--older-than')).toThrow(/3-day minimum/);
    expect(parseRetentionWindow('72h', '--older-than')).toBe(MIN_RETENTION_MS);
    expect(parseRetentionWindow('400d', '--retention')).toBe(400 * DAY);
    expect(parseRetentionWindow('2w', '--retention')).toBe(14 * DAY);
    expect(() => parseRetentionWindow('400', '--older-than')).toThrow(/not a duration/);
    expect(() => parseRetentionWindow('2026-01-01', '--older-than')).toThrow(UsageError);
  });
});
