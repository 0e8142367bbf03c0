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
const TRACKING = `delivered_at, opened_at, open_count, bounced_at, bounce_type, bounce_reason, last_event_at, last_event_type`;

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

/**
 * Another session holds the reply's row while `during` sends events, so each listener's batch stops at
 * the reply's UPDATE with its own events written and not committed; `blocked(n)` waits until n sessions
 * wait (within the listener's lock timeout, after which they would answer 503). NO KEY UPDATE, the lock an
 * UPDATE takes: the events' foreign-key check (KEY SHARE) goes through, the UPDATE waits.
 */
async function withReplyHeld(
  location: string,
  during: (blocked: (sessions: number) => Promise<boolean>) => Promise<void>,
): Promise<void> {
  const holder = new pg.Client({ connectionString: location });
  await holder.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM ticket_replies WHERE id = 1 FOR NO KEY UPDATE');
    await during(async (sessions) => {
      for (let waited = 0; waited < 1_000; waited += 25) {
        const waiting = await holder.query(
          'SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0',
        );
        if ((waiting.rows[0] as { n: number }).n >= sessions) return true;
        await sleep(25);
      }
      return false;
    });
  } finally {
    await holder.query('COMMIT').catch(() => undefined);
    await holder.end();
  }
}

function post(url: string, emailId: string, body: string, id: string) {
  return sendEvents(url, [{ id, emailId, type: 'event', recipient: null, body }], { secret: WEBHOOK_SECRET });
}

describe('two listeners on one PostgreSQL database writing the same reply at the same moment', () => {
  const database = usePostgresDatabases();
  const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };

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
    const listeners = await Promise.all([0, 1].map(() => spawnListener({ dbPath: location, env })));
    try {
      let answers: Array<ReturnType<typeof post>> = [];
      await withReplyHeld(location, async (blocked) => {
        answers = listeners.map((listener, i) => post(listener.url, emailId, bodies[i]!, `n${i}`));
        expect(await blocked(2)).toBe(true);
      });
      const outcomes = await Promise.all(answers);
      expect(outcomes.map((outcome) => [...outcome.acked])).toEqual([['n0'], ['n1']]);
      expect(story(store)).toEqual(cleanStory(emailId, bodies));
    } finally {
      await Promise.all(listeners.map((listener) => listener.kill()));
      store.close();
    }
  });

  it('issue 17: a notification id reused by a different event, which another listener is committing at that moment, is stored as its own event (round two #9)', async () => {
    const location = await database();
    const store = openStore(location);
    const emailId = 'race-reused-XY';
    seedReply(store, emailId);
    const bodies = [
      { event: 'delivered', time: '2026-09-10T08:01:00Z' },
      { event: 'open', time: '2026-09-10T08:02:00Z' },
    ].map((fields) =>
      JSON.stringify({ ...fields, id: 'reused-1', email_id: emailId, rcpt: 'a@example.com' }),
    );
    const listeners = await Promise.all([0, 1].map(() => spawnListener({ dbPath: location, env })));
    try {
      const answers: Array<ReturnType<typeof post>> = [];
      await withReplyHeld(location, async (blocked) => {
        // The first listener has written its event and waits on the reply; the second's event, with the
        // same notification id, then waits on that unique key until the first commits.
        answers.push(post(listeners[0]!.url, emailId, bodies[0]!, 'first'));
        expect(await blocked(1)).toBe(true);
        answers.push(post(listeners[1]!.url, emailId, bodies[1]!, 'second'));
        expect(await blocked(2)).toBe(true);
      });
      const outcomes = await Promise.all(answers);
      expect(outcomes.map((outcome) => [...outcome.acked])).toEqual([['first'], ['second']]);
      expect(store.prepare('SELECT event_type FROM email_tracking_events ORDER BY id').pluck().all()).toEqual(
        ['delivered', 'open'],
      );
      expect(story(store)).toEqual(cleanStory(emailId, bodies));
    } finally {
      await Promise.all(listeners.map((listener) => listener.kill()));
      store.close();
    }
  });

  it('issue 17: two notifications with the content of one id-less copy, taken by two listeners at once: one claims the copy, the other is stored (as on one listener)', async () => {
    const location = await database();
    const store = openStore(location);
    const emailId = 'race-claim-XY';
    seedReply(store, emailId);
    const open = { event: 'open', email_id: emailId, rcpt: 'a@example.com', time: '2026-09-10T08:02:00Z' };
    // The copy reconcile or `webhook trigger` stores: no notification id.
    const copy = JSON.stringify(open);
    ingestEvents(store, parseWebhookBody(copy, 'application/json', SENT).events, {
      receivedAt: SENT,
      source: 'webhook',
    });
    const first = JSON.stringify([
      { ...open, id: 'n-open-1' },
      {
        event: 'delivered',
        id: 'n-delivered',
        email_id: emailId,
        rcpt: 'a@example.com',
        time: '2026-09-10T08:01:00Z',
      },
    ]);
    const second = JSON.stringify({ ...open, id: 'n-open-2' });
    const listeners = await Promise.all([0, 1].map(() => spawnListener({ dbPath: location, env })));
    try {
      const answers: Array<ReturnType<typeof post>> = [];
      await withReplyHeld(location, async (blocked) => {
        // The first listener claims the copy and waits on the reply (its delivery's effect); the second
        // finds the copy unclaimed and waits on its row until the first commits.
        answers.push(post(listeners[0]!.url, emailId, first, 'first'));
        expect(await blocked(1)).toBe(true);
        answers.push(post(listeners[1]!.url, emailId, second, 'second'));
        expect(await blocked(2)).toBe(true);
      });
      const outcomes = await Promise.all(answers);
      expect(outcomes.map((outcome) => [...outcome.acked])).toEqual([['first'], ['second']]);
      expect(
        store
          .prepare('SELECT notification_id FROM email_tracking_events ORDER BY notification_id')
          .pluck()
          .all(),
      ).toEqual(['n-delivered', 'n-open-1', 'n-open-2']);
      expect(story(store)).toEqual(cleanStory(emailId, [copy, first, second]));
    } finally {
      await Promise.all(listeners.map((listener) => listener.kill()));
      store.close();
    }
  });
});
