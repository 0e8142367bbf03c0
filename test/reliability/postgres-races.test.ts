import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createReply } from '../../src/store/replies.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { spawnListener } from './listener-process.js';
import { sendEvents } from './load-generator.js';

beforeAll(assertBuilt);

const SENT = new Date('2026-09-10T08:00:00Z');
const TRACKING = `bounced_at, bounce_type, bounce_reason, last_event_at, last_event_type`;

function seedReply(store: Store, emailId: string): void {
  createReply(
    store,
    {
      id: 1,
      ticketId: null,
      subject: 'race',
      sender: 'help@example.com',
      trackingId: `t-${emailId}`,
      messageId: `<t-${emailId}@portal.example.com>`,
      recipients: [{ email: 'a@example.com', displayName: null, role: 'to' }],
    },
    SENT,
  );
  recordSmtp2goEmailId(store, 1, emailId, SENT);
}

function story(store: Store): unknown {
  return {
    reply: store.prepare(`SELECT ${TRACKING} FROM ticket_replies`).all(),
    recipients: store.prepare(`SELECT email, ${TRACKING} FROM reply_recipients`).all(),
  };
}

/** The same events, once each, into a fresh SQLite store: what the reply's story must be. */
function cleanStory(emailId: string, bodies: string[]): unknown {
  const clean = openStore(':memory:');
  try {
    seedReply(clean, emailId);
    for (const body of bodies)
      ingestEvents(clean, parseWebhookBody(body, 'application/json', SENT).events, {
        receivedAt: SENT,
        source: 'webhook',
      });
    return story(clean);
  } finally {
    clean.close();
  }
}

describe('two listeners on one PostgreSQL database writing the same reply at the same moment', () => {
  const database = usePostgresDatabases();

  it("issue 17: two bounces of one reply committed by two listeners at once both count (the later commit's bounce rule sees the earlier one's event)", async () => {
    const location = await database();
    const store = openStore(location);
    const emailId = 'race-bounce-XY';
    seedReply(store, emailId);
    // The harder bounce comes later, the earlier one is soft: the story needs both (first time of the
    // one, kind and reason of the other), so whichever commits last must see the other's event.
    const bodies = [
      { id: 'n-hard', time: '2026-09-10T08:05:00Z', bounce: 'hard', context: 'RCPT TO: 550 no such user' },
      { id: 'n-soft', time: '2026-09-10T08:01:00Z', bounce: 'soft', context: 'DATA: 451 try later' },
    ].map((fields) =>
      JSON.stringify({ ...fields, event: 'bounce', email_id: emailId, rcpt: 'a@example.com' }),
    );
    const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
    const listeners = await Promise.all([0, 1].map(() => spawnListener({ dbPath: location, env })));
    const holder = new pg.Client({ connectionString: location });
    await holder.connect();
    try {
      // Another session holds the reply's row, so both listeners' batches stop at the same UPDATE with
      // their own event stored and the other's not yet committed; then it lets go. NO KEY UPDATE, the lock
      // an UPDATE takes: the events' foreign-key check (KEY SHARE) goes through, the UPDATE waits.
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM ticket_replies WHERE id = 1 FOR NO KEY UPDATE');
      const answers = listeners.map((listener, i) =>
        sendEvents(
          listener.url,
          [{ id: `n${i}`, emailId, type: 'bounce', recipient: null, body: bodies[i]! }],
          {
            secret: WEBHOOK_SECRET,
          },
        ),
      );
      // Both waiting at the reply's UPDATE, the one statement that can wait here (within the listener's
      // lock timeout, after which it would answer 503).
      let bothWaiting = false;
      for (let waited = 0; waited < 1_500 && !bothWaiting; waited += 25) {
        const waiting = await holder.query(
          'SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0',
        );
        bothWaiting = (waiting.rows[0] as { n: number }).n >= 2;
        if (!bothWaiting) await sleep(25);
      }
      await holder.query('COMMIT');
      expect(bothWaiting).toBe(true);
      const outcomes = await Promise.all(answers);
      expect(outcomes.map((outcome) => [...outcome.acked])).toEqual([['n0'], ['n1']]);
      expect(story(store)).toEqual(cleanStory(emailId, bodies));
    } finally {
      await holder.end();
      await Promise.all(listeners.map((listener) => listener.kill()));
      store.close();
    }
  });
});
