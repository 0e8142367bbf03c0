import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { loadModuleSettings, saveModuleSettings } from '../../src/store/module-settings.js';
import { addPlausibleForwards, readPlausibleForwards } from '../../src/store/plausible-forwards.js';
import {
  eventsAfter,
  findIncompleteReplies,
  hasMatchingEvent,
  maxEventId,
} from '../../src/store/reconcile-candidates.js';
import {
  createReply,
  findReplyByEmailId,
  findReplyByEventEmailId,
  findReplyByTrackingId,
  getReply,
} from '../../src/store/replies.js';
import {
  finishReplySend,
  listRecipientStatuses,
  recordSmtp2goEmailId,
  setRecipientStatuses,
} from '../../src/store/reply-sends.js';
import { listSendAttempts, recordSendAttempt } from '../../src/store/send-attempts.js';
import {
  createTrackingTokens,
  findTrackingHit,
  findTrackingToken,
  recordTrackers,
} from '../../src/store/tracking-tokens.js';
import type { Store } from '../../src/store/open-store.js';
import { useBackendStores } from '../helpers/backend-stores.js';
import { storeBackends } from '../helpers/postgres.js';
import { post } from '../operations/stats-stores.js';

const T0 = new Date('2026-09-01T10:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

function reply(db: Store, n: number, extra: { id?: number; ticketId?: number | null } = {}) {
  return createReply(
    db,
    {
      ticketId: 'ticketId' in extra ? (extra.ticketId ?? null) : 40 + n,
      subject: `s${n}`,
      sender: 'help@desk.example',
      trackingId: `trk-${n}`,
      messageId: `<trk-${n}@desk.example>`,
      recipients: [
        { email: `Jo${n}@Example.com`, displayName: 'Jo', role: 'to' },
        { email: `al${n}@example.org`, displayName: null, role: 'cc' },
      ],
      ...(extra.id === undefined ? {} : { id: extra.id }),
    },
    later(n * 1000),
  );
}

// The store functions outside the listener's ingest, each on both engines with the same expectations
// (issue 17). What only SQLite has (file modes, WAL, EXPLAIN QUERY PLAN) is tested in the other files.
describe.each(storeBackends())('store functions on $name', (backend) => {
  const store = useBackendStores(backend);

  it('module settings: saved, replaced in one upsert, and read back with enabled as a boolean', async () => {
    const db = await store();
    expect(loadModuleSettings(db)).toEqual({});
    saveModuleSettings(db, { ...DEFAULT_SETTINGS, enabled: true, sender: 'a@example.com' }, T0);
    saveModuleSettings(db, { enabled: false, sender: 'b@example.com', smtpPort: 2525 }, later(1000));
    expect(loadModuleSettings(db)).toEqual({ enabled: false, sender: 'b@example.com', smtpPort: 2525 });
    expect(db.prepare('SELECT created_at, updated_at FROM integration_modules').get()).toEqual({
      created_at: T0.toISOString(),
      updated_at: later(1000).toISOString(),
    });
  });

  it('Plausible forward counts add up across calls, zeros skipped, the latest time kept', async () => {
    const db = await store();
    expect(readPlausibleForwards(db)).toEqual({ forwarded: 0, dropped: 0, failed: 0, last_at: null });
    addPlausibleForwards(db, { forwarded: 2, dropped: 0, failed: 1 }, T0);
    addPlausibleForwards(db, { forwarded: 3, dropped: 1, failed: 0 }, later(5000));
    expect(readPlausibleForwards(db)).toEqual({
      forwarded: 5,
      dropped: 1,
      failed: 1,
      last_at: later(5000).toISOString(),
    });
  });

  it('replies: an id given by hand is kept, the next reply without one follows it, and re-arming keeps the row', async () => {
    const db = await store();
    expect(reply(db, 0, { id: 1 }).id).toBe(1);
    expect(reply(db, 1).id).toBe(2);
    db.prepare('DELETE FROM ticket_replies WHERE id IN (1, 2)').run();
    expect(reply(db, 1, { id: 1 }).id).toBe(1);
    expect(reply(db, 2, { id: 500 }).id).toBe(500);
    expect(reply(db, 3).id).toBe(501);
    // A lower id by hand does not move the next one back.
    expect(reply(db, 4, { id: 7 }).id).toBe(7);
    expect(reply(db, 5).id).toBe(502);
    // The newest reply sent again under its id, then a new one: the next id is still one past it.
    expect(reply(db, 6, { id: 502 }).id).toBe(502);
    expect(reply(db, 8).id).toBe(503);
    recordSmtp2goEmailId(db, 500, 'E-500', later(1));
    expect(findReplyByEmailId(db, 'E-500')?.id).toBe(500);
    // Sent again under the same id: new tracking id, email id cleared, ticket kept when none is given.
    const again = createReply(
      db,
      {
        id: 500,
        ticketId: null,
        subject: 'again',
        sender: 'help@desk.example',
        trackingId: 'trk-again',
        messageId: '<trk-again@desk.example>',
        recipients: [{ email: 'JO2@example.com', displayName: 'Jo Two', role: 'to' }],
      },
      later(9000),
    );
    expect(again).toMatchObject({
      id: 500,
      ticket_id: 42,
      subject: 'again',
      email_tracking_id: 'trk-again',
      smtp2go_email_id: null,
      transport: 'pending',
      created_at: later(2000).toISOString(),
      updated_at: later(9000).toISOString(),
      open_count: 0,
    });
    expect(findReplyByTrackingId(db, 'trk-again')?.id).toBe(500);
    expect(findReplyByEmailId(db, 'E-500')).toBeUndefined();
    expect(
      db
        .prepare('SELECT email, display_name, role FROM reply_recipients WHERE reply_id = 500 ORDER BY id')
        .all(),
    ).toEqual([
      { email: 'jo2@example.com', display_name: 'Jo Two', role: 'to' },
      { email: 'al2@example.org', display_name: null, role: 'cc' },
    ]);
    expect(db.prepare('SELECT count(*) FROM ticket_replies').pluck().get()).toBe(6);
  });

  it('a send: attempts numbered per reply, recipient statuses, the finished reply', async () => {
    const db = await store();
    const { id } = reply(db, 1);
    const attempt = (ok: boolean, transport: 'api' | 'smtp') =>
      recordSendAttempt(db, {
        replyId: id,
        transport,
        ok,
        outcome: ok ? 'sent' : 'retry',
        httpStatus: transport === 'api' ? (ok ? 200 : 503) : null,
        errorClass: ok ? null : 'http',
        error: ok ? null : 'HTTP 503',
        emailId: ok ? 'E-1' : null,
        ms: 12.6,
        startedAt: later(100),
      });
    expect(attempt(false, 'api')).toMatchObject({ id: 1, reply_id: id, attempt_no: 1, ok: 0, ms: 13 });
    expect(attempt(true, 'smtp')).toMatchObject({ attempt_no: 2, ok: 1, http_status: null });
    expect(listSendAttempts(db, id).map((a) => [a.attempt_no, a.transport, a.ok])).toEqual([
      [1, 'api', 0],
      [2, 'smtp', 1],
    ]);
    setRecipientStatuses(db, id, [{ email: 'JO1@example.com', status: 'sent', error: null }], later(200));
    setRecipientStatuses(db, id, [{ email: 'al1@example.org', status: 'failed', error: 'refused' }], null);
    expect(listRecipientStatuses(db, id)).toEqual([
      {
        email: 'jo1@example.com',
        role: 'to',
        send_status: 'sent',
        send_error: null,
        sent_at: later(200).toISOString(),
      },
      { email: 'al1@example.org', role: 'cc', send_status: 'failed', send_error: 'refused', sent_at: null },
    ]);
    finishReplySend(
      db,
      id,
      {
        transport: 'smtp',
        outcome: 'partial',
        fallbackReason: 'api: HTTP 503',
        lastError: null,
        sentAt: later(200),
      },
      later(300),
    );
    expect(getReply(db, id)).toMatchObject({
      transport: 'smtp',
      send_outcome: 'partial',
      fallback_reason: 'api: HTTP 503',
      sent_at: later(200).toISOString(),
      updated_at: later(300).toISOString(),
    });
  });

  it('first-party tokens: minted per copy, found with the reply tracking id, trackers recorded', async () => {
    const db = await store();
    const { id } = reply(db, 1);
    const minted = ['A'.repeat(24), 'B'.repeat(24)];
    const tokens = createTrackingTokens(
      db,
      { replyId: id, recipient: 'Jo1@Example.com', expiresAt: later(86_400_000), now: T0 },
      [
        { kind: 'open', url: null },
        { kind: 'click', url: 'https://x.example/a?b=1' },
      ],
      () => minted.shift()!,
    );
    expect(tokens).toEqual(['A'.repeat(24), 'B'.repeat(24)]);
    expect(findTrackingToken(db, 'B'.repeat(24))).toEqual({
      token: 'B'.repeat(24),
      reply_id: id,
      recipient: 'jo1@example.com',
      kind: 'click',
      url: 'https://x.example/a?b=1',
      expires_at: later(86_400_000).toISOString(),
    });
    expect(findTrackingHit(db, 'A'.repeat(24))).toMatchObject({
      kind: 'open',
      url: null,
      tracking_id: 'trk-1',
    });
    expect(findTrackingToken(db, 'C'.repeat(24))).toBeUndefined();
    recordTrackers(db, id, [{ email: 'JO1@example.com', tracker: 'first_party' }], 'mixed');
    expect(
      db.prepare('SELECT email, tracker FROM reply_recipients WHERE reply_id = ? ORDER BY id').all(id),
    ).toEqual([
      { email: 'jo1@example.com', tracker: 'first_party' },
      { email: 'al1@example.org', tracker: null },
    ]);
    expect(getReply(db, id)?.tracker).toBe('mixed');
  });

  it('reconcile: incomplete replies in the window, content matches that treat NULL as a value, events after an id', async () => {
    const db = await store();
    const done = reply(db, 1).id;
    const open = reply(db, 2).id;
    reply(db, 3); // never accepted by the API: not a candidate
    for (const [id, emailId] of [
      [done, 'E-done'],
      [open, 'E-open'],
    ] as const) {
      recordSmtp2goEmailId(db, id, emailId, later(1));
      finishReplySend(
        db,
        id,
        {
          transport: 'api',
          outcome: 'sent',
          fallbackReason: null,
          lastError: null,
          sentAt: later(id * 1000),
        },
        later(id * 1000),
      );
    }
    const before = maxEventId(db);
    expect(before).toBe(0);
    const event = (type: string, rcpt: string | undefined, time: string, id: string) =>
      post(
        db,
        { event: type, email_id: 'E-done', ...(rcpt === undefined ? {} : { rcpt }), time, id },
        later(60_000),
      );
    event('processed', undefined, later(2000).toISOString(), 'n1');
    event('delivered', 'jo1@example.com', later(3000).toISOString(), 'n2');
    event('delivered', 'al1@example.org', later(3500).toISOString(), 'n3');
    expect(findIncompleteReplies(db, T0.toISOString(), later(10_000).toISOString()).map((r) => r.id)).toEqual(
      [open],
    );
    expect(findIncompleteReplies(db, later(3000).toISOString(), later(10_000).toISOString())).toEqual([]);
    const identity = { emailId: 'E-done', type: 'processed', recipient: null, url: null };
    // Compared to the second: the activity log's time has no milliseconds.
    expect(
      hasMatchingEvent(db, { ...identity, occurredAt: later(2000).toISOString().replace('.000Z', 'Z') }),
    ).toBe(true);
    expect(hasMatchingEvent(db, { ...identity, occurredAt: later(3000).toISOString() })).toBe(false);
    expect(
      hasMatchingEvent(db, {
        ...identity,
        recipient: 'jo1@example.com',
        occurredAt: later(2000).toISOString(),
      }),
    ).toBe(false);
    expect(hasMatchingEvent(db, { ...identity, emailId: null, occurredAt: later(2000).toISOString() })).toBe(
      false,
    );
    expect(
      hasMatchingEvent(db, {
        ...identity,
        type: 'delivered',
        recipient: 'al1@example.org',
        occurredAt: later(3500).toISOString(),
      }),
    ).toBe(true);
    expect(eventsAfter(db, 1)).toEqual([
      {
        reply_id: done,
        smtp2go_email_id: 'E-done',
        event_type: 'delivered',
        recipient: 'jo1@example.com',
        occurred_at: later(3000).toISOString(),
      },
      {
        reply_id: done,
        smtp2go_email_id: 'E-done',
        event_type: 'delivered',
        recipient: 'al1@example.org',
        occurred_at: later(3500).toISOString(),
      },
    ]);
    expect(maxEventId(db)).toBe(3);
    expect(findReplyByEventEmailId(db, 'E-done')?.id).toBe(done);
  });
});
