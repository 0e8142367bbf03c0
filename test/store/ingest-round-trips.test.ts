import { describe, expect, it } from 'vitest';
import { normalizeEvent, type WebhookFields } from '../../src/core/normalize-event.js';
import { ingestJobsInTransaction } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
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

/**
 * Replies with an email id and one recipient each. Written with plain SQL: what is measured is the ingest
 * of their events, not the send path that creates them.
 */
function seedReplies(store: Store, count: number): void {
  for (let id = 1; id <= count; id += 1) {
    store
      .prepare(
        `INSERT INTO ticket_replies (id, recipients, smtp2go_email_id, transport, created_at, updated_at)
         VALUES (?, ?, ?, 'api', ?, ?)`,
      )
      .run(id, `["r${id}@example.org"]`, `email-${id}`, RECEIVED.toISOString(), RECEIVED.toISOString());
    store
      .prepare(`INSERT INTO reply_recipients (reply_id, email, role) VALUES (?, ?, 'to')`)
      .run(id, `r${id}@example.org`);
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
});
