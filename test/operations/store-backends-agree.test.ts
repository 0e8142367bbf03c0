import { afterEach, describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../src/core/normalize-event.js';
import { parseReplyCursor } from '../../src/core/reply-cursor.js';
import { REPLY_STATUSES } from '../../src/core/reply-status.js';
import { runPrune } from '../../src/operations/prune.js';
import { runReconcile } from '../../src/operations/reconcile.js';
import { runReplies, type RepliesOptions } from '../../src/operations/replies.js';
import { runReplyStats } from '../../src/operations/stats.js';
import { runStatsSummary, type StatsSummaryOptions } from '../../src/operations/stats-summary.js';
import type { ReplayFilter } from '../../src/operations/webhook-replay/filter.js';
import { openStoreSource } from '../../src/operations/webhook-replay/store-source.js';
import {
  selectBounceReasons,
  selectEventsAfter,
  selectLatestEventId,
  selectLatestEvents,
  selectQuarterCounts,
} from '../../src/store/dashboard-queries.js';
import { ingestEvents } from '../../src/store/ingest-events.js';
import type { Store } from '../../src/store/open-store.js';
import { addPlausibleForwards } from '../../src/store/plausible-forwards.js';
import { createReply } from '../../src/store/replies.js';
import { finishReplySend } from '../../src/store/reply-sends.js';
import { useStorePairs } from '../helpers/backend-stores.js';
import { startFakeManagementApi, type FakeManagementApi } from '../smtp2go/fake-management-api.js';
import { fakeClock } from '../smtp2go/fake-smtp2go.js';
import { activityRoute, NOW, row, sentReply, settingsFor } from './reconcile-harness.js';
import {
  after,
  DAY,
  deliveredAndOpened,
  duplicatesOutOfOrder,
  fromFixture,
  HOUR,
  MIN,
  multiWithBounce,
  post,
  recordSend,
  relaySent,
  SEC,
  SENT,
} from './stats-stores.js';

// Issue 17: every read a command makes gives the same answer on SQLite and on PostgreSQL. One store of each,
// filled by the same calls through the send path and the listener's ingest, then read by the operations
// themselves; each document is compared whole, so any difference (a count, an order, a NULL, a type) fails.
const pair = useStorePairs();
let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const at = (iso: string) => new Date(iso);

/** Replies and events that reach every branch the queries have: the same calls on either store. */
function seed(db: Store): void {
  deliveredAndOpened(db);
  multiWithBounce(db);
  duplicatesOutOfOrder(db);
  relaySent(db);
  recordSend(db, { to: ['x@example.com'], transport: 'failed', sentAt: new Date(SENT.getTime() + SEC) });
  // A soft bounce then a delivery (not a bounce), and a bounce with no type and no code (unknown).
  const soft = recordSend(db, {
    to: ['soft@two.test'],
    transport: 'api',
    emailId: 'E-soft',
    sentAt: at(after(MIN)),
  });
  post(
    db,
    fromFixture('bounce-soft.constructed.json', {
      email_id: 'E-soft',
      rcpt: 'soft@two.test',
      time: after(2 * MIN),
      id: 'n-soft-1',
    }),
  );
  post(
    db,
    fromFixture('delivered.live.json', {
      email_id: 'E-soft',
      rcpt: 'soft@two.test',
      time: after(3 * MIN),
      id: 'n-soft-2',
    }),
  );
  recordSend(db, { to: ['odd@two.test'], transport: 'api', emailId: 'E-odd', sentAt: at(after(2 * MIN)) });
  post(db, { event: 'bounce', email_id: 'E-odd', rcpt: 'odd@two.test', time: after(4 * MIN), id: 'n-odd' });
  // Around a DST change in Paris, to domains spelled in capitals, carried by the relay after the API failed.
  recordSend(db, {
    to: ['A@One.Test', 'b@TWO.test'],
    cc: ['c@one.test'],
    transport: 'api+smtp',
    emailId: 'E-dst-1',
    fallbackReason: 'api: HTTP 503',
    sentAt: at('2026-03-28T22:30:00Z'),
    ticketId: 77,
  });
  recordSend(db, {
    to: ['d@three.test'],
    transport: 'smtp',
    sentAt: at('2026-03-29T22:30:00Z'),
    apiTried: false,
  });
  post(
    db,
    fromFixture('delivered.live.json', {
      email_id: 'E-dst-1',
      rcpt: 'a@one.test',
      time: '2026-03-28T22:30:05.250Z',
      id: 'n-dst-1',
    }),
  );
  post(
    db,
    fromFixture('open.docs.json', {
      email_id: 'E-dst-1',
      rcpt: 'c@one.test',
      time: '2026-03-29T01:00:00Z',
      id: 'n-dst-2',
    }),
  );
  // Characters LIKE would read as wildcards, and a non-ASCII address.
  recordSend(db, {
    to: ['pct%under_score@odd.test'],
    transport: 'api',
    emailId: 'E-like',
    sentAt: at(after(5 * MIN)),
  });
  recordSend(db, {
    to: ['élise@exämple.test'],
    transport: 'api',
    emailId: 'E-utf',
    sentAt: at(after(6 * MIN)),
  });
  // A reply given its id by hand, then one without: the next id follows it on both engines.
  recordSend(db, {
    id: 500,
    to: ['manual@example.com'],
    transport: 'api',
    emailId: 'E-500',
    sentAt: at(after(7 * MIN)),
  });
  recordSend(db, {
    to: ['next@example.com'],
    transport: 'api',
    emailId: 'E-501',
    sentAt: at(after(7 * MIN)),
  });
  // A send in doubt, and a reply still pending (a demo reply), both at the same time as others (ties).
  const doubt = createReply(
    db,
    {
      ticketId: 9,
      subject: 's',
      sender: 'h@example.com',
      trackingId: 'trk-doubt',
      messageId: '<trk-doubt@h>',
      recipients: [{ email: 'doubt@example.com', displayName: 'D', role: 'to' }],
    },
    at(after(7 * MIN)),
  );
  finishReplySend(
    db,
    doubt.id,
    {
      transport: 'pending',
      outcome: 'ambiguous',
      fallbackReason: null,
      lastError: 'api: timeout',
      sentAt: null,
    },
    at(after(7 * MIN)),
  );
  createReply(
    db,
    {
      ticketId: null,
      subject: 'demo',
      sender: 'h@example.com',
      trackingId: 'trk-demo',
      messageId: '<trk-demo@h>',
      recipients: [],
    },
    at(after(8 * MIN)),
  );
  // Events no reply claims, one of them far later (outside most windows).
  post(
    db,
    fromFixture('delivered.live.json', { email_id: '1uNobody-0000', time: after(HOUR), id: 'n-nobody-1' }),
  );
  post(
    db,
    fromFixture('bounce-hard.live.json', {
      email_id: '1uNobody-0001',
      time: after(40 * DAY),
      id: 'n-nobody-2',
    }),
  );
  addPlausibleForwards(db, { forwarded: 3, dropped: 1, failed: 0 }, at(after(HOUR)));
  addPlausibleForwards(db, { forwarded: 2, dropped: 0, failed: 4 }, at(after(2 * HOUR)));
  expect(soft).toBeGreaterThan(0);
}

/** The same question put to both stores; the answers must be equal, and are returned for a sanity check. */
function both<T>(stores: Record<'sqlite' | 'postgres', Store>, read: (db: Store) => T): T {
  const sqlite = read(stores.sqlite);
  expect(read(stores.postgres)).toEqual(sqlite);
  return sqlite;
}

const summary = (db: Store, options: Partial<StatsSummaryOptions> = {}) =>
  runStatsSummary({ since: null, until: null, by: 'none', timeZone: 'UTC', ...options }, { store: db });

/** Every page of `replies`, following next_cursor. */
function pages(db: Store, options: Partial<RepliesOptions>): unknown[] {
  const out: unknown[] = [];
  let cursor: string | null = null;
  do {
    const page = runReplies(
      { limit: 3, ...options, cursor: cursor === null ? null : parseReplyCursor(cursor) },
      { store: db },
    );
    out.push(page);
    cursor = page.next_cursor;
  } while (cursor !== null && out.length < 50);
  return out;
}

async function bothAsync<T>(
  stores: Record<'sqlite' | 'postgres', Store>,
  read: (db: Store) => Promise<T>,
): Promise<T> {
  const sqlite = await read(stores.sqlite);
  expect(await read(stores.postgres)).toEqual(sqlite);
  return sqlite;
}

async function replayed(db: Store, filter: ReplayFilter): Promise<unknown[]> {
  const source = openStoreSource(db, filter, 4);
  const items: unknown[] = [];
  for await (const item of source.items) items.push(item);
  return [items, source.progress()];
}

describe('issue 17: SQLite and PostgreSQL give the same answers', () => {
  it('stats: the summary whole, by transport, domain and local day in several zones, and in windows', async () => {
    const stores = await pair();
    seed(stores.sqlite);
    seed(stores.postgres);
    const plain = both(stores, (db) => summary(db));
    expect(plain.total).toMatchObject({ replies: 15, recipients: 18, bounced: 2, bounced_unknown: 1 });
    expect(plain.unlinked.total).toBe(2);
    expect(plain.plausible).toEqual({ forwarded: 5, dropped: 1, failed: 4, last_at: after(2 * HOUR) });
    expect(plain.total.send_to_delivered.count).toBeGreaterThan(5);
    for (const by of ['transport', 'domain'] as const) both(stores, (db) => summary(db, { by }));
    const domains = both(stores, (db) => summary(db, { by: 'domain' })).groups.map((g) => g.key);
    expect(domains).toEqual(expect.arrayContaining(['one.test', 'two.test', 'exämple.test', 'odd.test']));
    for (const timeZone of ['UTC', 'Europe/Paris', 'Asia/Kolkata', 'America/St_Johns', 'Asia/Kathmandu']) {
      const days = both(stores, (db) => summary(db, { by: 'day', timeZone })).groups.map((g) => g.key);
      expect(days.length).toBeGreaterThan(1);
    }
    const windows = [
      { since: SENT, until: new Date(SENT.getTime() + HOUR) },
      { since: new Date(SENT.getTime() + 3 * MIN), until: null },
      { since: null, until: new Date('2026-03-29T00:00:00Z') },
    ];
    for (const window of windows)
      for (const by of ['none', 'domain', 'day'] as const)
        both(stores, (db) => summary(db, { ...window, by, timeZone: 'Europe/Paris' }));
  });

  it('stats --reply of every reply, and the dashboard reads (live events, quarter counts, bounce reasons)', async () => {
    const stores = await pair();
    seed(stores.sqlite);
    seed(stores.postgres);
    const ids = both(
      stores,
      (db) => db.prepare('SELECT id FROM ticket_replies ORDER BY id').pluck().all() as number[],
    );
    expect(ids).toContain(501);
    for (const replyId of ids) both(stores, (db) => runReplyStats({ replyId }, { store: db }));
    const last = both(stores, (db) => selectLatestEventId(db));
    both(stores, (db) => selectEventsAfter(db, 3, 100));
    both(stores, (db) => selectLatestEvents(db, 5));
    const quarters = both(stores, (db) =>
      selectQuarterCounts(db, 0, last).sort((a, b) =>
        `${a.hour}${a.quarter}${a.event_type}`.localeCompare(`${b.hour}${b.quarter}${b.event_type}`),
      ),
    );
    expect(quarters.length).toBeGreaterThan(3);
    for (const bounds of [
      { since: null, until: null },
      { since: SENT.toISOString(), until: null },
    ])
      both(stores, (db) => selectBounceReasons(db, bounds, 10));
  });

  it('replies: every page through the cursor, each status, and each filter', async () => {
    const stores = await pair();
    seed(stores.sqlite);
    seed(stores.postgres);
    expect(both(stores, (db) => pages(db, {})).length).toBeGreaterThan(3);
    for (const status of [...REPLY_STATUSES, 'ambiguous'] as const)
      both(stores, (db) => pages(db, { status }));
    const filters: Array<Partial<RepliesOptions>> = [
      { recipient: 'EXAMPLE.COM' },
      { recipient: 'One.Test' },
      { recipient: '%' },
      { recipient: '_' },
      { recipient: 'ÉLISE' },
      { ticketId: 77 },
      { transport: 'api' },
      { transport: 'smtp' },
      { emailId: 'E-500' },
      { trackingId: 'trk-doubt' },
      { messageId: 'trk-doubt@h' },
      { since: SENT, until: new Date(SENT.getTime() + 5 * MIN) },
      { status: 'delivered', recipient: 'two.test' },
    ];
    for (const filter of filters) both(stores, (db) => pages(db, filter));
    expect(
      both(stores, (db) => runReplies({ limit: 9, cursor: null, recipient: '%' }, { store: db })).replies,
    ).toHaveLength(1);
  });

  it('webhook replay --from-store: the same records in the same order under each filter', async () => {
    const stores = await pair();
    seed(stores.sqlite);
    seed(stores.postgres);
    const filters: ReplayFilter[] = [
      {},
      { replyId: 2 },
      { emailId: 'E-dst-1' },
      { types: ['delivered', 'open'] },
      { since: SENT, until: new Date(SENT.getTime() + HOUR) },
      { recipient: '@one.test' },
      { recipient: '@nonexistent.test', types: ['bounce'] },
      { recipient: 'john@example.com' },
    ];
    for (const filter of filters) {
      const [items] = (await bothAsync(stores, (db) => replayed(db, filter))) as [unknown[]];
      expect(items.length, JSON.stringify(filter)).toBeGreaterThan(0);
    }
  });

  it('prune: the same dry run, the same deletions, and the same stats afterwards', async () => {
    const stores = await pair();
    seed(stores.sqlite);
    seed(stores.postgres);
    const run = (db: Store, dryRun: boolean) =>
      runPrune(
        { olderThanMs: 30 * DAY, dryRun },
        {
          store: db,
          now: () => new Date(SENT.getTime() + 60 * DAY),
          clock: () => 0,
          pause: async () => undefined,
        },
      );
    const dry = await run(stores.sqlite, true);
    expect(await run(stores.postgres, true)).toEqual(dry);
    expect(dry.events).toBeGreaterThan(10);
    const real = await run(stores.sqlite, false);
    expect(await run(stores.postgres, false)).toEqual(real);
    expect(real).toMatchObject({ events: dry.events, bytes: dry.bytes, byType: dry.byType });
    expect(both(stores, (db) => selectLatestEvents(db, 100)).map((e) => e.event_type)).toEqual(['bounce']);
    both(stores, (db) => summary(db, { by: 'domain' }));
  });

  it('reconcile: the same replies found, the same events filled (dry run, then for real), the same stories after', async () => {
    const stores = await pair();
    const E1 = '1uRec-0001';
    const E2 = '1uRec-0002';
    api = await startFakeManagementApi({
      '/activity/search': activityRoute({
        [E1]: [
          [row(E1, 'processed', '2026-09-10T08:00:01Z'), row(E1, 'delivered', '2026-09-10T08:00:03Z')],
          [
            row(E1, 'opened', '2026-09-10T09:00:00Z'),
            row(E1, 'clicked', '2026-09-10T09:01:00Z', { url: 'https://x.example/' }),
          ],
        ],
        [E2]: [[row(E2, 'hard-bounced', '2026-09-11T08:00:00Z', { recipient: 'Carol@Example.org' })]],
      }),
    });
    const setUp = (db: Store) => {
      sentReply(db, E1, '2026-09-10T08:00:00Z');
      sentReply(db, E2, '2026-09-11T07:59:00Z', ['carol@example.org', 'dan@example.org']);
      sentReply(db, '1uRec-old', '2026-08-01T00:00:00Z');
      // The open already came by webhook (with its notification id): reconcile must not store it twice.
      post(
        db,
        {
          event: 'opened',
          email_id: E1,
          rcpt: 'bob@example.org',
          time: '2026-09-10T09:00:00Z',
          id: 'n-rec-open',
        },
        NOW,
      );
    };
    setUp(stores.sqlite);
    setUp(stores.postgres);
    const reconcile = (db: Store, dryRun: boolean) =>
      runReconcile(
        { since: new Date('2026-09-05T00:00:00Z'), dryRun },
        {
          store: db,
          settings: settingsFor(api!.url),
          now: () => NOW,
          normalize: normalizeEvent,
          ingest: ingestEvents,
          clock: fakeClock(),
        },
      );
    const dry = await reconcile(stores.sqlite, true);
    expect(await reconcile(stores.postgres, true)).toEqual(dry);
    expect(dry.replies.map((r) => [r.emailId, r.filled.map((e) => e.event_type)])).toEqual([
      [E1, ['processed', 'delivered', 'click']],
      [E2, ['bounce']],
    ]);
    const real = await reconcile(stores.sqlite, false);
    expect(await reconcile(stores.postgres, false)).toEqual(real);
    expect(real.replies).toEqual(dry.replies);
    for (const replyId of [1, 2, 3]) {
      // Event ids are left out: a PostgreSQL sequence does not give back the ids a rolled-back dry run took.
      both(stores, (db) => runReplyStats({ replyId }, { store: db }).document);
    }
    both(stores, (db) => summary(db));
    expect((await reconcile(stores.postgres, false)).replies.flatMap((r) => r.filled)).toEqual([]);
  });
});
