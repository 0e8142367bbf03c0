import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createReply } from '../../src/store/replies.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { startCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, fixture, NOW, send, useListeners } from './listener-harness.js';

// The listener on PostgreSQL where it differs from SQLite: several listeners share one database, locks
// are another session's rows, and the server can restart under a running listener.

const tempDir = useTempDir();
const databases = usePostgresDatabases();
const run = promisify(execFile);

/** One database for the test, which several listeners of this file's harness then share. */
function useSharedDatabase() {
  let url = '';
  const listen = useListeners(() => Promise.resolve(url));
  return {
    listen,
    async use(location?: string): Promise<string> {
      url = location ?? (await databases());
      return url;
    },
  };
}

function reply(store: Store, emailId: string, recipients: string[]): number {
  const row = createReply(
    store,
    {
      ticketId: null,
      subject: 'Re: help',
      sender: 'desk@example.com',
      trackingId: `trk-${emailId}`,
      messageId: `<trk-${emailId}@portal.example>`,
      recipients: recipients.map((email) => ({ email, displayName: null, role: 'to' as const })),
    },
    NOW,
  );
  recordSmtp2goEmailId(store, row.id, emailId, NOW);
  return row.id;
}

/** Opens, deliveries and clicks of one reply's two recipients, each with its notification id. */
function storyOf(emailId: string): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < 40; i += 1) {
    const type = ['delivered', 'open', 'click', 'open'][i % 4]!;
    bodies.push(
      JSON.stringify({
        id: `${emailId}-n${i}`,
        event: type,
        email_id: emailId,
        rcpt: i % 2 === 0 ? 'a@example.com' : 'b@example.com',
        time: new Date(Date.UTC(2026, 8, 10, 8, 0, 59 - i)).toISOString(),
        ...(type === 'click' ? { url: `https://kb.example/${i}` } : {}),
      }),
    );
  }
  return bodies;
}

const TRACKING = `SELECT processed_at, delivered_at, opened_at, open_count, clicked_at, click_count, last_event_at,
  last_event_type FROM ticket_replies ORDER BY id`;
const RECIPIENTS = `SELECT email, delivered_at, opened_at, open_count, clicked_at, click_count, last_event_at,
  last_event_type FROM reply_recipients ORDER BY reply_id, email`;

describe('webhook listeners sharing one PostgreSQL database', () => {
  const shared = useSharedDatabase();

  it('store a notification sent to two listeners at once exactly once, both answering 200', async () => {
    await shared.use();
    const first = await shared.listen(tempDir());
    const second = await shared.listen(tempDir());
    const bodies = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({ id: `same-${i}`, event: 'delivered', email_id: 'em-x', rcpt: 'a@example.com' }),
    );
    const answers = await Promise.all(bodies.flatMap((body) => [first.post(body), second.post(body)]));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const stored = answers.reduce((sum, answer) => sum + (answer.body['stored'] as number), 0);
    const duplicates = answers.reduce((sum, answer) => sum + (answer.body['duplicates'] as number), 0);
    expect({ stored, duplicates }).toEqual({ stored: 60, duplicates: 60 });
    expect(count(first.store)).toBe(60);
  });

  it("leave a reply's story as one listener alone would, whichever listener took which event", async () => {
    await shared.use();
    const single = await shared.listen(tempDir());
    const ids = ['em-1', 'em-2', 'em-3'];
    for (const id of ids) reply(single.store, id, ['a@example.com', 'b@example.com']);
    for (const id of ids) for (const body of storyOf(id)) expect((await single.post(body)).status).toBe(200);
    const expected = readStory(single.store);

    await shared.use();
    const listeners = [await shared.listen(tempDir()), await shared.listen(tempDir())];
    for (const id of ids) reply(listeners[0]!.store, id, ['a@example.com', 'b@example.com']);
    // Every event twice (a retry), each copy to a listener picked in turn, all at once and in reverse order.
    const all = ids.flatMap(storyOf).reverse();
    const answers = await Promise.all(
      [...all, ...all].map((body, i) => listeners[i % 2 === 0 ? 0 : 1]!.post(body)),
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(readStory(listeners[1]!.store)).toEqual(expected);
  });

  it('answer 503 while another session holds a lock on the events, then 200 once it lets go', async () => {
    const url = await shared.use();
    const { store, post, logs } = await shared.listen(tempDir(), { busyTimeoutMs: 50 });
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('LOCK TABLE email_tracking_events IN ACCESS EXCLUSIVE MODE');
      const refused = await post(fixture('delivered.live.json'));
      expect(refused).toMatchObject({ status: 503, body: { error: 'storage unavailable, retry later' } });
      expect(logs.at(-1)?.message).toMatch(/lock timeout/);
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    expect(await post(fixture('delivered.live.json'))).toMatchObject({ status: 200, body: { stored: 1 } });
    expect(count(store)).toBe(1);
  });
});

/** Every tracking column of every reply and recipient, and the event count: what "the same story" compares. */
function readStory(store: Store) {
  return {
    replies: store.prepare(TRACKING).all(),
    recipients: store.prepare(RECIPIENTS).all(),
    events: count(store),
  };
}

describe('a PostgreSQL server restarted under the listener', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  let location = '';
  const listen = useListeners(() => Promise.resolve(location));

  it('gets 503 while the server is down, never a 200 for an unstored event, and recovers by itself', async () => {
    location = await cluster.createDatabase();
    const { store, post, server } = await listen(tempDir());
    const health = async () => (await send(new URL(server.healthUrl), 'GET', {})).status;
    const body = (i: number) =>
      JSON.stringify({ id: `r-${i}`, event: 'delivered', email_id: 'em-r', rcpt: 'a@b.org' });
    expect((await post(body(0))).status).toBe(200);

    await cluster.kill();
    const whileDown = await Promise.all([1, 2, 3].map((i) => post(body(i))));
    expect(whileDown.map((answer) => answer.status)).toEqual([503, 503, 503]);
    expect(await health()).toBe(503);

    await cluster.start();
    // The next request reconnects: no restart of the listener.
    const after = await post(body(4));
    expect(after).toMatchObject({ status: 200, body: { stored: 1 } });
    expect(await health()).toBe(200);
    const acknowledged = ['r-0', 'r-4'];
    const stored = store
      .prepare('SELECT notification_id FROM email_tracking_events ORDER BY id')
      .pluck()
      .all();
    expect(stored).toEqual(acknowledged);
  });
});

describe('PostgreSQL schema migrations', () => {
  it('run once when ten processes open a new database at the same moment', async () => {
    const url = await databases();
    const script = `import('${new URL('../../dist/store/open-store.js', import.meta.url).href}').then((m) => {
      const store = m.openStore(process.argv[1]); console.log(m.schemaVersion(store)); store.close(); })`;
    const versions = await Promise.all(
      Array.from({ length: 10 }, () =>
        run(process.execPath, ['--input-type=module', '-e', script, url]).then(({ stdout }) => stdout.trim()),
      ),
    );
    expect(versions).toEqual(Array.from({ length: 10 }, () => '7'));
    const store = openStore(url);
    try {
      const tables = store
        .prepare("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        .pluck()
        .all();
      expect(tables).toEqual([
        'email_tracking_events',
        'integration_modules',
        'plausible_forwards',
        'reply_recipients',
        'send_attempts',
        'smtp2go_portal_schema',
        'ticket_replies',
        'tracking_tokens',
      ]);
      expect(store.prepare('SELECT version FROM smtp2go_portal_schema').pluck().all()).toEqual([7]);
    } finally {
      store.close();
    }
  });

  it('refuse a schema newer than this version knows, as on SQLite', async () => {
    const url = await databases();
    openStore(url).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE smtp2go_portal_schema SET version = 99');
    await client.end();
    expect(() => openStore(url)).toThrow(/schema is version 99, newer than this smtp2go-portal knows \(7\)/);
  });
});
