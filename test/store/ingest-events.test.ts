import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeEvent, type WebhookFields } from '../../src/core/normalize-event.js';
import { ingestEvents, linkOrphanEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { createReply, getReply } from '../../src/store/replies.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();
const RECEIVED = new Date('2026-11-30T12:00:00.000Z');
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/smtp2go/${name}`, import.meta.url), 'utf8')) as WebhookFields;

function store(): Store {
  return openStore(join(tempDir(), 'portal.db'));
}

function reply(db: Store, emailId: string | null, recipients = ['alice@example.com', 'bob@example.com']) {
  const row = createReply(
    db,
    {
      ticketId: 7,
      subject: 'Re: help',
      sender: 'desk@example.net',
      trackingId: `t-${emailId ?? 'none'}`,
      messageId: `<t-${emailId ?? 'none'}@desk.example.net>`,
      recipients: recipients.map((email, i) => ({ email, displayName: null, role: i === 0 ? 'to' : 'cc' })),
    },
    RECEIVED,
  );
  if (emailId !== null) recordSmtp2goEmailId(db, row.id, emailId, RECEIVED);
  return row.id;
}

function ingest(db: Store, ...events: WebhookFields[]) {
  return ingestEvents(
    db,
    events.map((fields) => ({
      event: normalizeEvent(fields, RECEIVED),
      rawBody: JSON.stringify(fields),
      contentType: 'application/json',
    })),
    { receivedAt: RECEIVED, source: 'webhook' },
  );
}

const recipientRow = (db: Store, replyId: number, email: string) =>
  db.prepare('SELECT * FROM reply_recipients WHERE reply_id = ? AND email = ?').get(replyId, email) as Record<
    string,
    unknown
  >;
const story = (db: Store, replyId: number) => {
  const {
    updated_at: _u,
    created_at: _c,
    ...rest
  } = getReply(db, replyId) as unknown as Record<string, unknown>;
  const recipients = db
    .prepare('SELECT * FROM reply_recipients WHERE reply_id = ? ORDER BY email')
    .all(replyId);
  return { reply: rest, recipients };
};

const ev = (event: string, time: string, extra: WebhookFields = {}): WebhookFields => ({
  event,
  time,
  email_id: 'E1',
  ...extra,
});

describe('ingestEvents', () => {
  it('stores a fixture event with its raw body and links it by email id', () => {
    const db = store();
    const id = reply(db, '1vomg2-abc123', ['user@example.com', 'user2@example.com']);
    const result = ingest(db, fixture('processed.live.json'), fixture('delivered.live.json'));
    expect(result).toMatchObject({ stored: 2, duplicates: 0, unlinked: 0 });
    expect(result.results.map((r) => [r.type, r.replyId, r.recipient, r.duplicate])).toEqual([
      ['processed', id, null, false],
      ['delivered', id, 'user@example.com', false],
    ]);
    expect(getReply(db, id)).toMatchObject({
      processed_at: '2026-02-07T18:05:02.000Z',
      sent_at: '2026-02-07T18:05:02.000Z',
      delivered_at: '2026-02-07T18:05:06.000Z',
      last_event_type: 'delivered',
    });
    expect(recipientRow(db, id, 'user2@example.com')).toMatchObject({
      processed_at: '2026-02-07T18:05:02.000Z',
      delivered_at: null,
    });
    const row = db
      .prepare(
        'SELECT raw_body, source, time_source, content_type FROM email_tracking_events WHERE event_type = ?',
      )
      .get('delivered');
    expect(row).toEqual({
      raw_body: JSON.stringify(fixture('delivered.live.json')),
      source: 'webhook',
      time_source: 'event',
      content_type: 'application/json',
    });
  });

  it('counts a retried notification once, and a content-equal event without an id once', () => {
    const db = store();
    const id = reply(db, 'E1');
    const open = ev('open', '2026-11-30T10:00:00Z', { id: 'a'.repeat(32), rcpt: 'alice@example.com' });
    expect(ingest(db, open, open)).toMatchObject({ stored: 1, duplicates: 1 });
    expect(ingest(db, open)).toMatchObject({ stored: 0, duplicates: 1 });
    // The same open fetched by reconcile (no notification id) is the same event.
    const { id: _drop, ...withoutId } = open;
    expect(ingest(db, withoutId)).toMatchObject({ stored: 0, duplicates: 1 });
    expect(getReply(db, id)?.open_count).toBe(1);
    expect(recipientRow(db, id, 'alice@example.com').open_count).toBe(1);
  });

  it('lets a notification claim an id-less copy, so two distinct notifications count twice in any order', () => {
    const base = ev('open', '2026-11-30T10:00:00Z', { rcpt: 'alice@example.com' });
    const counts = [
      [base, { ...base, id: 'a' }, { ...base, id: 'b' }],
      [{ ...base, id: 'a' }, { ...base, id: 'b' }, base],
    ].map((order) => {
      const db = store();
      const id = reply(db, 'E1');
      for (const fields of order) ingest(db, fields);
      return getReply(db, id)?.open_count;
    });
    expect(counts).toEqual([2, 2]);
  });

  it('keeps the earliest first-open whatever the arrival order and counts distinct opens', () => {
    const db = store();
    const id = reply(db, 'E1');
    ingest(db, ev('delivered', '2026-11-30T10:00:05Z', { id: '1', rcpt: 'alice@example.com' }));
    ingest(db, ev('open', '2026-11-30T11:00:00Z', { id: '2', rcpt: 'alice@example.com' }));
    ingest(db, ev('open', '2026-11-30T10:30:00Z', { id: '3', rcpt: 'alice@example.com' }));
    ingest(
      db,
      ev('processed', '2026-11-30T10:00:00Z', {
        id: '4',
        recipients: ['alice@example.com', 'bob@example.com'],
      }),
    );
    expect(getReply(db, id)).toMatchObject({
      opened_at: '2026-11-30T10:30:00.000Z',
      open_count: 2,
      processed_at: '2026-11-30T10:00:00.000Z',
      last_event_type: 'open',
      last_event_at: '2026-11-30T11:00:00.000Z',
    });
    expect(recipientRow(db, id, 'bob@example.com')).toMatchObject({
      processed_at: '2026-11-30T10:00:00.000Z',
      opened_at: null,
    });
  });

  it('ends in the same state for any arrival order, with retries', () => {
    const events = [
      ev('processed', '2026-11-30T10:00:00Z', { id: 'p', recipients: 'alice@example.com' }),
      ev('delivered', '2026-11-30T10:00:02Z', { id: 'd', rcpt: 'alice@example.com' }),
      ev('bounce', '2026-11-30T10:00:03Z', {
        id: 'b1',
        rcpt: 'bob@example.com',
        bounce: 'soft',
        context: 'DATA: 452 Mailbox full',
      }),
      ev('bounce', '2026-11-30T10:05:00Z', {
        id: 'b2',
        rcpt: 'bob@example.com',
        bounce: 'hard',
        message: '550 no such user',
      }),
      ev('open', '2026-11-30T10:10:00Z', { id: 'o1', rcpt: 'alice@example.com' }),
      ev('open', '2026-11-30T10:10:00Z', { id: 'o2', rcpt: 'alice@example.com' }),
      ev('click', '2026-11-30T10:11:00Z', { id: 'c', rcpt: 'alice@example.com', url: 'https://x.example' }),
      ev('spam', '2026-11-30T10:11:00Z', { id: 's', rcpt: 'alice@example.com' }),
    ];
    const run = (order: WebhookFields[]) => {
      const db = store();
      const id = reply(db, 'E1');
      for (const fields of order) ingest(db, fields);
      return story(db, id);
    };
    const clean = run(events);
    const shuffled = [...events, events[1], events[4], events[3]].reverse() as WebhookFields[];
    expect(run(shuffled)).toEqual(clean);
    expect(clean.reply).toMatchObject({
      bounce_type: 'hard',
      bounce_reason: '550 no such user',
      bounced_at: '2026-11-30T10:00:03.000Z',
      open_count: 2,
      click_count: 1,
    });
  });

  it('updates the reply, not a guessed recipient, when rcpt is missing on a reply to several (one recipient takes it: round two #11)', () => {
    const db = store();
    const id = reply(db, 'E1', ['alice@example.com', 'bob@example.com']);
    ingest(db, ev('delivered', '2026-11-30T10:00:00Z', { id: 'x' }));
    expect(getReply(db, id)?.delivered_at).toBe('2026-11-30T10:00:00.000Z');
    expect(recipientRow(db, id, 'alice@example.com').delivered_at).toBeNull();
    expect(recipientRow(db, id, 'bob@example.com').delivered_at).toBeNull();
  });

  it('correlates by tracking id and by either Message-ID', () => {
    const db = store();
    const id = reply(db, null);
    const byTracking = ingest(db, {
      event: 'delivered',
      time: '2026-11-30T10:00:00Z',
      'X-Portal-Tracking-Id': 't-none',
    });
    const byOurMessageId = ingest(db, {
      event: 'open',
      time: '2026-11-30T10:01:00Z',
      'Message-Id': 't-none@desk.example.net',
    });
    expect([byTracking.results[0]?.replyId, byOurMessageId.results[0]?.replyId]).toEqual([id, id]);
    const other = reply(db, 'E9');
    expect(
      ingest(db, {
        event: 'open',
        time: '2026-11-30T10:02:00Z',
        'message-id': '<EE9@message-id.smtpcorp.com>',
      }).results[0]?.replyId,
    ).toBe(other);
  });

  it('stores unmatched events unlinked and links them when the reply gets the email id', () => {
    const db = store();
    const early = ingest(
      db,
      ev('processed', '2026-11-30T10:00:00Z', {
        id: 'p',
        email_id: 'LATE',
        recipients: ['alice@example.com'],
      }),
      ev('deferred', '2026-11-30T10:00:01Z', { id: 'u', email_id: 'LATE' }),
    );
    expect(early).toMatchObject({ stored: 2, unlinked: 2 });
    const id = reply(db, null, ['alice@example.com']);
    recordSmtp2goEmailId(db, id, 'LATE', RECEIVED);
    expect(linkOrphanEvents(db, id)).toBe(2);
    expect(linkOrphanEvents(db, id)).toBe(0);
    expect(getReply(db, id)).toMatchObject({
      processed_at: '2026-11-30T10:00:00.000Z',
      last_event_type: 'deferred',
    });
    expect(recipientRow(db, id, 'alice@example.com').processed_at).toBe('2026-11-30T10:00:00.000Z');
  });

  it('links earlier orphans when a later event finds the reply by email id', () => {
    const db = store();
    ingest(
      db,
      ev('processed', '2026-11-30T10:00:00Z', {
        id: 'p',
        email_id: 'LATE',
        recipients: ['alice@example.com'],
      }),
    );
    const id = reply(db, 'LATE', ['alice@example.com']);
    expect(
      ingest(
        db,
        ev('delivered', '2026-11-30T10:00:02Z', { id: 'd', email_id: 'LATE', rcpt: 'alice@example.com' }),
      ).unlinked,
    ).toBe(0);
    expect(
      db.prepare('SELECT COUNT(*) FROM email_tracking_events WHERE reply_id IS NULL').pluck().get(),
    ).toBe(0);
    expect(getReply(db, id)?.processed_at).toBe('2026-11-30T10:00:00.000Z');
  });

  it('keeps unknown types and events without a time, and dedupes a timeless retry by content', () => {
    const db = store();
    reply(db, 'E1');
    const timeless = { event: 'open', email_id: 'E1', rcpt: 'alice@example.com' };
    const first = ingestEvents(
      db,
      [{ event: normalizeEvent(timeless, RECEIVED), rawBody: '{}', contentType: 'application/json' }],
      { receivedAt: RECEIVED, source: 'webhook' },
    );
    const later = new Date(RECEIVED.getTime() + 60_000);
    const retry = ingestEvents(
      db,
      [{ event: normalizeEvent(timeless, later), rawBody: '{}', contentType: 'application/json' }],
      { receivedAt: later, source: 'webhook' },
    );
    expect([first.stored, retry.duplicates]).toEqual([1, 1]);
    expect(db.prepare('SELECT time_source FROM email_tracking_events').pluck().get()).toBe('received');
  });

  it('stores nothing of a request when one event fails', () => {
    const db = store();
    const good = {
      event: normalizeEvent(ev('open', '2026-11-30T10:00:00Z', { id: 'g' }), RECEIVED),
      rawBody: '{}',
      contentType: 'application/json',
    };
    const bad = { ...good, event: { ...good.event, notificationId: 'b', type: null as unknown as string } };
    expect(() => ingestEvents(db, [good, bad], { receivedAt: RECEIVED, source: 'webhook' })).toThrow();
    expect(db.prepare('SELECT COUNT(*) FROM email_tracking_events').pluck().get()).toBe(0);
  });
});
