import { describe, expect, it } from 'vitest';
import { normalizeEvent, type WebhookFields } from '../../src/core/normalize-event.js';
import { ingestJobsInTransaction } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { createReply } from '../../src/store/replies.js';
import { usePostgresDatabases } from '../helpers/postgres.js';

const RECEIVED = new Date('2026-11-30T12:00:00.000Z');

/** Counts the statements sent to the server: on PostgreSQL each one is a round trip through the bridge thread. */
class CountingStore extends PostgresStore {
  statements = 0;
  override query(request: Parameters<PostgresStore['query']>[0]) {
    this.statements += 1;
    return super.query(request);
  }
}

/** Replies sent through the API, one recipient each (`r<id>@example.org`); reply n gets email id `email-<n>` unless told not to. */
function seedReplies(store: Store, count: number, withoutEmailId: number[] = []): void {
  for (let n = 1; n <= count; n += 1) {
    const reply = createReply(
      store,
      {
        ticketId: n,
        subject: 'Re: help',
        sender: 'desk@example.net',
        trackingId: `t-${n}`,
        messageId: `<t-${n}@desk.example.net>`,
        recipients: [{ email: `r${n}@example.org`, displayName: null, role: 'to' }],
      },
      RECEIVED,
    );
    expect(reply.id).toBe(n);
    if (!withoutEmailId.includes(n)) recordSmtp2goEmailId(store, n, `email-${n}`, RECEIVED);
  }
}

const delivered = (n: number, replyId: number): WebhookFields => ({
  id: n.toString(16).padStart(32, 'a'),
  event: 'delivered',
  email_id: `email-${replyId}`,
  rcpt: `r${replyId}@example.org`,
  time: `2026-11-30T11:00:${String(n % 60).padStart(2, '0')}Z`,
});

function commitBatch(store: Store, events: WebhookFields[]) {
  const jobs = events.map((fields) => ({
    incoming: [
      {
        event: normalizeEvent(fields, RECEIVED),
        rawBody: JSON.stringify(fields),
        contentType: 'application/json',
      },
    ],
    receivedAt: RECEIVED,
  }));
  return store.transaction(() => ingestJobsInTransaction(store, jobs, 'webhook'))();
}

describe('ingest on PostgreSQL: statements per event', () => {
  const database = usePostgresDatabases();

  it('pg-bench: a batch of linked events costs five statements per event and one per batch', async () => {
    const url = await database();
    openStore(url).close();
    const store = new CountingStore(url);
    try {
      seedReplies(store, 20);
      store.statements = 0;
      const results = commitBatch(
        store,
        Array.from({ length: 20 }, (_, i) => delivered(i, i + 1)),
      );
      expect(results.map((result) => [result.stored, result.unlinked])).toEqual(
        Array.from({ length: 20 }, () => [1, 0]),
      );
      // Per event: the key and its id-less copy (one probe), the reply, the insert, the reply's and the
      // recipient's stories. Per batch: BEGIN, COMMIT and the orphan probe for all its emails.
      expect(store.statements).toBe(20 * 5 + 3);
      expect(
        store.prepare('SELECT COUNT(*) FROM reply_recipients WHERE delivered_at IS NOT NULL').pluck().get(),
      ).toBe(20);
    } finally {
      store.close();
    }
  });

  it('pg-bench: the batch probe for orphans still links an event stored before its reply had the email id', async () => {
    const url = await database();
    openStore(url).close();
    const store = new CountingStore(url);
    try {
      // The event is stored before reply 2 has its email id, and the send's own linking never ran.
      seedReplies(store, 2, [2]);
      const processed = {
        id: 'b'.repeat(32),
        event: 'processed',
        email_id: 'email-2',
        recipients: ['r2@example.org'],
        time: '2026-11-30T11:00:01Z',
      };
      expect(commitBatch(store, [processed])[0]).toMatchObject({ stored: 1, unlinked: 1 });
      recordSmtp2goEmailId(store, 2, 'email-2', RECEIVED);

      const results = commitBatch(store, [delivered(2, 1), delivered(3, 2), delivered(4, 2)]);
      expect(results.map((result) => result.unlinked)).toEqual([0, 0, 0]);
      expect(
        store.prepare('SELECT COUNT(*) FROM email_tracking_events WHERE reply_id IS NULL').pluck().get(),
      ).toBe(0);
      expect(store.prepare('SELECT processed_at FROM ticket_replies WHERE id = 2').pluck().get()).toBe(
        '2026-11-30T11:00:01.000Z',
      );
    } finally {
      store.close();
    }
  });
});
