import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/core/errors.js';
import { runReplyStats } from '../../src/operations/stats.js';
import { runStatsSummary } from '../../src/operations/stats-summary.js';
import { type Store } from '../../src/store/open-store.js';
import { API_KEY } from '../helpers/constants.js';
import { useBackendStores } from '../helpers/backend-stores.js';
import { storeBackends } from '../helpers/postgres.js';
import { useSendHarness } from './send-test-harness.js';
import {
  after,
  deliveredAndOpened,
  duplicatesOutOfOrder,
  fromFixture,
  HOUR,
  multiWithBounce,
  post,
  recordSend,
  relaySent,
  SEC,
  SENT,
} from './stats-stores.js';

const summary = (db: Store, extra: Partial<Parameters<typeof runStatsSummary>[0]> = {}) =>
  runStatsSummary({ since: null, until: null, by: 'none', timeZone: 'UTC', ...extra }, { store: db });

describe.each(storeBackends())('runReplyStats on $name', (backend) => {
  const store = useBackendStores(backend);

  it('a delivered and opened reply: times, counts and a form-encoded delivery', async () => {
    const db = await store();
    const id = deliveredAndOpened(db);
    const stats = runReplyStats({ replyId: id }, { store: db });
    expect(stats.statusText).toBe('opened');
    expect(stats.document).toMatchObject({
      reply_id: id,
      ticket_id: 1001,
      smtp2go_email_id: '1uOpen-0001',
      transport: 'api',
      status: 'opened',
      sent_at: SENT.toISOString(),
      processed_at: after(2 * SEC),
      delivered_at: after(5 * SEC),
      opened_at: after(2 * HOUR),
      open_count: 2,
      clicked_at: null,
      click_count: 0,
      clicks: [],
      bounced_at: null,
      has_tracking: true,
    });
    expect(stats.document.recipients).toEqual([
      expect.objectContaining({
        email: 'john@example.com',
        role: 'to',
        status: 'opened',
        delivered_at: after(5 * SEC),
        opened_at: after(2 * HOUR),
        open_count: 2,
        last_event_type: 'open',
        last_event_at: after(3 * HOUR),
      }),
    ]);
    expect(stats.document.events.map((e) => [e.type, e.at, e.recipient])).toEqual([
      ['processed', after(2 * SEC), null],
      ['delivered', after(5 * SEC), 'john@example.com'],
      ['open', after(2 * HOUR), 'john@example.com'],
      ['open', after(3 * HOUR), 'john@example.com'],
    ]);
    expect(stats.document.events[1]?.detail).toMatch(/^250 2\.0\.0 Ok/);
  });

  it('a multi-recipient reply with a bounce says "delivered to 2 of 3, bounced 1"', async () => {
    const db = await store();
    const id = multiWithBounce(db);
    const stats = runReplyStats({ replyId: id }, { store: db });
    expect(stats.statusText).toBe('delivered to 2 of 3, bounced 1');
    expect(stats.document).toMatchObject({
      status: 'bounced',
      delivered_at: after(4 * SEC),
      bounced_at: after(7 * SEC),
      bounce_type: 'hard',
    });
    expect(stats.document.bounce_reason).toBe('RCPT TO:<nobody@nonexistent.test>: 550 5.1.1 no such user');
    expect(stats.document.recipients.map((r) => [r.email, r.role, r.status, r.bounce_type])).toEqual([
      ['ann@example.org', 'to', 'delivered', null],
      ['bob@example.net', 'to', 'delivered', null],
      ['nobody@nonexistent.test', 'cc', 'bounced', 'hard'],
    ]);
    expect(stats.eventBounceTypes).toEqual([null, null, 'hard', null]);
  });

  it('duplicates and out-of-order events: each counted once, timeline oldest first, earliest times kept', async () => {
    const db = await store();
    const { id, results } = duplicatesOutOfOrder(db);
    expect(results.map((r) => r.duplicates)).toEqual([0, 0, 1, 0, 1, 0, 1, 0, 1]);
    const d = runReplyStats({ replyId: id }, { store: db }).document;
    expect(d).toMatchObject({
      status: 'clicked',
      delivered_at: after(6 * SEC),
      opened_at: after(2 * HOUR),
      open_count: 2,
      clicked_at: after(3 * HOUR),
      click_count: 1,
    });
    expect(d.clicks).toEqual([
      { url: 'https://help.example.com/kb/42', clicked_at: after(3 * HOUR), recipient: 'kim@example.com' },
    ]);
    expect(d.events.map((e) => e.type)).toEqual(['processed', 'delivered', 'open', 'click', 'open']);
    expect(d.recipients[0]).toMatchObject({
      open_count: 2,
      click_count: 1,
      last_event_type: 'open',
      last_event_at: after(26 * HOUR),
    });
  });

  it('a relay-sent reply: transport smtp with the reason, matched by the tracking header', async () => {
    const db = await store();
    const id = relaySent(db);
    const stats = runReplyStats({ replyId: id }, { store: db });
    expect(stats.document).toMatchObject({
      transport: 'smtp',
      smtp2go_email_id: null,
      status: 'delivered',
      delivered_at: after(8 * SEC),
    });
    expect(stats.send.fallbackReason).toMatch(/^rejected: /);
  });

  it('a soft bounce followed by a delivery is delivered, not bounced', async () => {
    const db = await store();
    const id = recordSend(db, { to: ['sam@example.com'], transport: 'api', emailId: '1uSoft-0005' });
    post(
      db,
      fromFixture('bounce-soft.constructed.json', {
        email_id: '1uSoft-0005',
        rcpt: 'sam@example.com',
        time: after(10 * SEC),
      }),
    );
    expect(runReplyStats({ replyId: id }, { store: db }).document.status).toBe('bounced');
    post(
      db,
      fromFixture('delivered.live.json', {
        email_id: '1uSoft-0005',
        rcpt: 'sam@example.com',
        time: after(HOUR),
      }),
    );
    const d = runReplyStats({ replyId: id }, { store: db }).document;
    expect(d).toMatchObject({ status: 'delivered', bounced_at: after(10 * SEC), bounce_type: 'soft' });
    expect(summary(db).total).toMatchObject({ bounced: 0, bounced_soft: 0, delivered: 1 });
  });

  it('a reply that was never sent: failed, no events', async () => {
    const db = await store();
    const id = recordSend(db, {
      to: ['x@example.com'],
      transport: 'failed',
      lastError: 'api: refused | smtp: refused',
    });
    const stats = runReplyStats({ replyId: id }, { store: db });
    expect(stats.document).toMatchObject({
      status: 'failed',
      sent_at: null,
      has_tracking: false,
      events: [],
    });
    expect(stats.send.lastError).toBe('api: refused | smtp: refused');
  });

  it('an unknown reply is a NotFoundError "reply 999 not found" (exit 1)', async () => {
    const db = await store();
    expect(() => runReplyStats({ replyId: 999 }, { store: db })).toThrowError(NotFoundError);
    expect(() => runReplyStats({ replyId: 999 }, { store: db })).toThrowError('reply 999 not found');
  });
});

// The send path (send-test's harness) opens its own SQLite store; the reads it ends with are tested above.
describe('runReplyStats through the real send path', () => {
  const setup = useSendHarness();

  it('a webhook that beats the send response is unlinked, then linked when the email id is stored', async () => {
    let during: ReturnType<typeof post> | null = null;
    let unlinkedDuring = -1;
    const h = await setup({
      api: [
        {
          status: 200,
          json: { request_id: 'r', data: { succeeded: 1, failed: 0, failures: [], email_id: '1uRace-0006' } },
        },
      ],
      // SMTP2Go's processed webhook arrives while our API call is still waiting for its answer.
      onRequest: (_request, db) => {
        during = post(
          db,
          fromFixture('processed.live.json', {
            email_id: '1uRace-0006',
            recipients: ['john@example.com'],
            time: after(1 * SEC),
          }),
        );
        unlinkedDuring = summary(db).unlinked.total;
      },
    });
    const { result, error } = await h.send({ to: ['john@example.com'] });
    expect(error).toBeNull();
    expect(during).toMatchObject({ stored: 1, unlinked: 1 });
    expect(unlinkedDuring).toBe(1);
    const d = runReplyStats({ replyId: result.reply_id }, { store: h.db }).document;
    expect(d).toMatchObject({
      smtp2go_email_id: '1uRace-0006',
      status: 'processed',
      processed_at: after(1 * SEC),
      has_tracking: true,
    });
    expect(d.events.map((e) => e.type)).toEqual(['processed']);
    expect(summary(h.db).unlinked).toEqual({ total: 0, by_type: {} });
    expect(JSON.stringify(d)).not.toContain(API_KEY);
  });

  it('a relay fallback after the API refused: transport smtp, counted as a fallback in the summary', async () => {
    const h = await setup({ api: [{ status: 200, fixture: 'send-failed-200.json' }] });
    const { result, error } = await h.send({ to: ['john@example.com'] });
    expect(error).toBeNull();
    post(
      h.db,
      fromFixture('delivered.live.json', {
        email_id: '1uRelay-7777',
        'X-Portal-Tracking-Id': result.tracking_id,
        rcpt: 'john@example.com',
        time: after(30 * SEC),
      }),
    );
    const d = runReplyStats({ replyId: result.reply_id }, { store: h.db }).document;
    expect(d).toMatchObject({
      transport: 'smtp',
      status: 'delivered',
      smtp2go_email_id: null,
      tracking_id: result.tracking_id,
    });
    expect(summary(h.db).total.rates.fallback_to_relay).toEqual({ count: 1, of: 1, rate: 1 });
  });
});

describe.each(storeBackends())('runStatsSummary on $name', (backend) => {
  const store = useBackendStores(backend);

  it('an empty store: zeros, n/a rates (null) with their denominators, no latencies', async () => {
    const s = summary(await store());
    expect(s.total).toMatchObject({ replies: 0, recipients: 0, sent: 0, delivered: 0, failed: 0 });
    expect(Object.values(s.total.rates)).toEqual(Array(9).fill({ count: 0, of: 0, rate: null }));
    expect(s.total.send_to_delivered).toEqual({ count: 0, p50_ms: null, p95_ms: null });
    expect(s.groups).toEqual([]);
    expect(s.unlinked).toEqual({ total: 0, by_type: {} });
  });

  it('counts recipients once whatever the duplicates, with rates over their denominators and p50/p95', async () => {
    const db = await store();
    deliveredAndOpened(db);
    multiWithBounce(db);
    duplicatesOutOfOrder(db);
    relaySent(db);
    recordSend(db, { to: ['x@example.com'], transport: 'failed', sentAt: new Date(SENT.getTime() + 1000) });
    post(db, fromFixture('delivered.live.json', { email_id: '1uNobody-0000', time: after(HOUR) }));
    const t = summary(db).total;
    expect(t).toMatchObject({
      replies: 5,
      replies_sent: 4,
      replies_relayed: 1,
      recipients: 7,
      sent: 6,
      delivered: 5,
      opened: 2,
      clicked: 1,
      bounced: 1,
      bounced_hard: 1,
      bounced_soft: 0,
      spam: 0,
      rejected: 0,
      unsubscribed: 0,
      failed: 1,
    });
    expect(t.rates.delivered).toEqual({ count: 5, of: 6, rate: 5 / 6 });
    expect(t.rates.opened).toEqual({ count: 2, of: 5, rate: 0.4 });
    expect(t.rates.failed).toEqual({ count: 1, of: 7, rate: 1 / 7 });
    expect(t.rates.fallback_to_relay).toEqual({ count: 1, of: 4, rate: 0.25 });
    // Delivered after 4, 5, 6, 8 and 9 s: nearest rank.
    expect(t.send_to_delivered).toEqual({ count: 5, p50_ms: 6000, p95_ms: 9000 });
    expect(t.send_to_first_open).toEqual({ count: 2, p50_ms: 2 * 3_600_000, p95_ms: 2 * 3_600_000 });
    expect(summary(db).unlinked).toEqual({ total: 1, by_type: { delivered: 1 } });
  });

  it('--by transport, domain and day (in the operator zone, across a DST change)', async () => {
    const db = await store();
    recordSend(db, {
      to: ['a@one.test'],
      transport: 'api',
      emailId: 'E-a',
      sentAt: new Date('2026-03-28T22:30:00Z'),
    });
    recordSend(db, {
      to: ['b@two.test', 'c@one.test'],
      transport: 'smtp',
      fallbackReason: 'api: HTTP 503',
      sentAt: new Date('2026-03-29T22:30:00Z'),
    });
    post(
      db,
      fromFixture('delivered.live.json', {
        email_id: 'E-a',
        rcpt: 'a@one.test',
        time: '2026-03-28T22:30:05Z',
      }),
    );
    const byTransport = summary(db, { by: 'transport' }).groups.map((g) => [
      g.key,
      g.replies,
      g.recipients,
      g.delivered,
      g.replies_relayed,
    ]);
    expect(byTransport).toEqual([
      ['api', 1, 1, 1, 0],
      ['smtp', 1, 2, 0, 1],
    ]);
    const byDomain = summary(db, { by: 'domain' });
    expect(byDomain.groups.map((g) => [g.key, g.replies, g.recipients])).toEqual([
      ['one.test', 2, 2],
      ['two.test', 1, 1],
    ]);
    expect(byDomain.total.replies).toBe(2);
    // Paris is UTC+1 before 2026-03-29 01:00 UTC and UTC+2 after: 22:30 UTC is 23:30 on the 28th, then 00:30 on the 30th.
    expect(
      summary(db, { by: 'day', timeZone: 'Europe/Paris' }).groups.map((g) => [g.key, g.replies]),
    ).toEqual([
      ['2026-03-28', 1],
      ['2026-03-30', 1],
    ]);
    expect(summary(db, { by: 'day', timeZone: 'UTC' }).groups.map((g) => [g.key, g.replies])).toEqual([
      ['2026-03-28', 1],
      ['2026-03-29', 1],
    ]);
    expect(summary(db, { by: 'day', timeZone: 'Asia/Kolkata' }).groups.map((g) => g.key)).toEqual([
      '2026-03-29',
      '2026-03-30',
    ]);
  });

  it('--since/--until select replies by send time; unlinked events by event time', async () => {
    const db = await store();
    deliveredAndOpened(db);
    recordSend(db, {
      to: ['late@example.com'],
      transport: 'api',
      sentAt: new Date(SENT.getTime() + 48 * HOUR),
    });
    const window = { since: new Date(SENT.getTime() + HOUR), until: new Date(SENT.getTime() + 72 * HOUR) };
    expect(summary(db, window).total.replies).toBe(1);
    expect(summary(db, { since: SENT, until: new Date(SENT.getTime() + 1) }).total.replies).toBe(1);
    expect(() => summary(db, { since: window.until, until: window.since })).toThrowError(
      /is not before --until/,
    );
  });
});
