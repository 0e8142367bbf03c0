import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalizeEvent, type WebhookFields } from '../../src/core/normalize-event.js';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { createReply, getReply } from '../../src/store/replies.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();
const RECEIVED = new Date('2026-11-30T12:00:00.000Z');
const stores: Store[] = [];
afterEach(() => {
  for (const db of stores.splice(0)) db.close();
});

function storeWithReply(recipients = ['alice@example.com', 'bob@example.com']): {
  db: Store;
  replyId: number;
} {
  const db = openStore(join(tempDir(), 'portal.db'));
  stores.push(db);
  const reply = createReply(
    db,
    {
      ticketId: 7,
      subject: 'Re: help',
      sender: 'desk@example.net',
      trackingId: 't-E1',
      messageId: '<t-E1@desk.example.net>',
      recipients: recipients.map((email) => ({ email, displayName: null, role: 'to' as const })),
    },
    RECEIVED,
  );
  recordSmtp2goEmailId(db, reply.id, 'E1', RECEIVED);
  return { db, replyId: reply.id };
}

const ingest = (db: Store, ...events: WebhookFields[]) =>
  ingestEvents(
    db,
    events.map((fields) => ({
      event: normalizeEvent(fields, RECEIVED),
      rawBody: JSON.stringify(fields),
      contentType: 'application/json',
    })),
    { receivedAt: RECEIVED, source: 'webhook' },
  );
const rows = (db: Store) =>
  db.prepare('SELECT event_type, recipient, notification_id FROM email_tracking_events ORDER BY id').all();

const click = {
  event: 'click',
  id: 'same-1',
  email_id: 'E1',
  rcpt: 'alice@example.com',
  time: '2026-11-30T10:00:00Z',
  url: 'https://kb.example/1',
};
const bounce = {
  event: 'bounce',
  id: 'same-1',
  email_id: 'E1',
  rcpt: 'alice@example.com',
  time: '2026-11-30T10:05:00Z',
  bounce: 'hard',
  message: '550 5.1.1 no such user',
};

describe('ingestEvents: a notification id reused by a different event', () => {
  it('round two #9: a reused notification id with different content is stored as its own event, and counted as a conflict', () => {
    const { db, replyId } = storeWithReply();
    expect(ingest(db, click)).toMatchObject({ stored: 1, duplicates: 0, conflicts: 0 });
    const second = ingest(db, bounce);
    expect(second).toMatchObject({ stored: 1, duplicates: 0, conflicts: 1 });
    expect(second.results[0]).toMatchObject({ type: 'bounce', duplicate: false, conflict: true });
    expect(rows(db)).toEqual([
      { event_type: 'click', recipient: 'alice@example.com', notification_id: 'same-1' },
      { event_type: 'bounce', recipient: 'alice@example.com', notification_id: 'same-1' },
    ]);
    expect(getReply(db, replyId)).toMatchObject({
      click_count: 1,
      bounced_at: '2026-11-30T10:05:00.000Z',
      bounce_type: 'hard',
    });
  });

  it('round two #9: a retry of the conflicting event is a duplicate of the conflict row, never a third row', () => {
    const { db, replyId } = storeWithReply();
    ingest(db, click, bounce);
    const before = getReply(db, replyId);
    const retry = ingest(db, bounce);
    expect(retry).toMatchObject({ stored: 0, duplicates: 1, conflicts: 1 });
    expect(retry.results[0]).toMatchObject({ duplicate: true, conflict: true, eventId: 2 });
    // The original's own retry is still a plain duplicate.
    expect(ingest(db, click)).toMatchObject({ stored: 0, duplicates: 1, conflicts: 0 });
    expect(rows(db)).toHaveLength(2);
    expect(getReply(db, replyId)).toEqual(before);
    // Both orders end alike.
    const other = storeWithReply();
    ingest(other.db, bounce, bounce, click, click, bounce);
    expect(rows(other.db)).toEqual([
      { event_type: 'bounce', recipient: 'alice@example.com', notification_id: 'same-1' },
      { event_type: 'click', recipient: 'alice@example.com', notification_id: 'same-1' },
    ]);
  });

  it('round two #9: the same id for another recipient is its own event; the same event at another time is a retry', () => {
    const { db, replyId } = storeWithReply();
    const open = {
      event: 'open',
      id: 'same-2',
      email_id: 'E1',
      rcpt: 'alice@example.com',
      time: '2026-11-30T10:00:00Z',
    };
    ingest(db, open);
    expect(ingest(db, { ...open, rcpt: 'bob@example.com' })).toMatchObject({ stored: 1, conflicts: 1 });
    expect(ingest(db, { ...open, time: '2026-11-30T10:00:09Z' })).toMatchObject({
      stored: 0,
      duplicates: 1,
      conflicts: 0,
    });
    expect(
      db
        .prepare('SELECT email, open_count FROM reply_recipients WHERE reply_id = ? ORDER BY email')
        .all(replyId),
    ).toEqual([
      { email: 'alice@example.com', open_count: 1 },
      { email: 'bob@example.com', open_count: 1 },
    ]);
  });

  it('round two #9: a conflicting notification claims an id-less copy of itself instead of storing it twice', () => {
    const { db } = storeWithReply();
    const { id: _drop, ...idless } = bounce;
    ingest(db, idless, click);
    expect(ingest(db, bounce)).toMatchObject({ stored: 0, duplicates: 1, conflicts: 1 });
    expect(ingest(db, bounce)).toMatchObject({ stored: 0, duplicates: 1, conflicts: 1 });
    expect(rows(db)).toEqual([
      { event_type: 'bounce', recipient: 'alice@example.com', notification_id: 'same-1' },
      { event_type: 'click', recipient: 'alice@example.com', notification_id: 'same-1' },
    ]);
  });
});
