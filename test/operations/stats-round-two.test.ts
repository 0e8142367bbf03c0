import { afterEach, describe, expect, it } from 'vitest';
import { runReplyStats } from '../../src/operations/stats.js';
import { runStatsSummary } from '../../src/operations/stats-summary.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { storeBackends, type StoreBackend } from '../helpers/postgres.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { after, HOUR, post, recordSend, SEC, SENT } from './stats-stores.js';

// Payload shapes other SMTP2Go integrations send (issue 12, round two), through the listener's parser and
// ingest into a real store (SQLite and PostgreSQL), then read back the way `stats` reads them.
function useStores(backend: StoreBackend): () => Promise<{ db: Store; path: string }> {
  const location = backend.useLocations();
  const stores: Store[] = [];
  afterEach(() => {
    for (const db of stores.splice(0)) db.close();
  });
  return async () => {
    const path = await location();
    const db = openStore(path);
    stores.push(db);
    return { db, path };
  };
}
const summary = (db: Store) =>
  runStatsSummary({ since: null, until: null, by: 'none', timeZone: 'UTC' }, { store: db }).total;
const recipient = (db: Store, replyId: number, email: string) =>
  db
    .prepare(
      'SELECT delivered_at, bounced_at, bounce_type, opened_at FROM reply_recipients WHERE reply_id = ? AND email = ?',
    )
    .get(replyId, email);

const ROUND_TWO =
  'round two on $name: recipients under other keys, display names, reasons and unclassified bounces';
describe.each(storeBackends())(ROUND_TWO, (backend) => {
  const store = useStores(backend);

  it('round two #11: a delivery naming its recipient under `recipient` is counted, and status agrees with delivered_at', async () => {
    const { db } = await store();
    const id = recordSend(db, { to: ['pat@example.com'], transport: 'api', emailId: 'E-11a' });
    post(db, {
      event: 'delivered',
      email_id: 'E-11a',
      recipient: 'pat@example.com',
      time: after(5 * SEC),
      id: 'n-11a',
    });
    const stats = runReplyStats({ replyId: id }, { store: db });
    expect(stats.document).toMatchObject({ status: 'delivered', delivered_at: after(5 * SEC) });
    expect(stats.document.recipients[0]).toMatchObject({
      email: 'pat@example.com',
      status: 'delivered',
      delivered_at: after(5 * SEC),
    });
    expect(summary(db)).toMatchObject({ sent: 1, delivered: 1 });
  });

  it('round two #11: an event without any recipient on a one-recipient reply belongs to that recipient, in any order', async () => {
    const events = [
      { event: 'delivered', email_id: 'E-11b', time: after(5 * SEC), id: 'n-11b-1' },
      {
        event: 'bounce',
        email_id: 'E-11b',
        time: after(3 * SEC),
        id: 'n-11b-2',
        bounce: 'hard',
        message: '550 5.1.1 gone',
      },
      { event: 'open', email_id: 'E-11b', time: after(HOUR), id: 'n-11b-3' },
    ];
    // Before the send records its email id (stored unlinked, linked later) and after it.
    const early = await store();
    for (const body of events) post(early.db, body);
    const earlyId = recordSend(early.db, { to: ['pat@example.com'], transport: 'api', emailId: 'E-11b' });
    const late = await store();
    const lateId = recordSend(late.db, { to: ['pat@example.com'], transport: 'api', emailId: 'E-11b' });
    for (const body of [...events].reverse()) post(late.db, body);
    for (const [db, id] of [
      [early.db, earlyId],
      [late.db, lateId],
    ] as const) {
      expect(recipient(db, id, 'pat@example.com')).toEqual({
        delivered_at: after(5 * SEC),
        bounced_at: after(3 * SEC),
        bounce_type: 'hard',
        opened_at: after(HOUR),
      });
      expect(runReplyStats({ replyId: id }, { store: db }).document).toMatchObject({
        status: 'bounced',
        bounced_at: after(3 * SEC),
        bounce_reason: '550 5.1.1 gone',
      });
      expect(summary(db)).toMatchObject({ delivered: 1, opened: 1, bounced: 1, bounced_hard: 1 });
    }
  });

  it('round two #11: on a reply to several recipients an unnamed event lands on nobody, yet the reply status does not contradict it', async () => {
    const { db } = await store();
    const id = recordSend(db, {
      to: ['ann@example.org', 'bob@example.net'],
      transport: 'api',
      emailId: 'E-11c',
    });
    post(db, { event: 'delivered', email_id: 'E-11c', time: after(5 * SEC), id: 'n-11c' });
    expect(recipient(db, id, 'ann@example.org')).toMatchObject({ delivered_at: null });
    expect(recipient(db, id, 'bob@example.net')).toMatchObject({ delivered_at: null });
    const stats = runReplyStats({ replyId: id }, { store: db });
    expect(stats.document).toMatchObject({ status: 'delivered', delivered_at: after(5 * SEC) });
    expect(stats.statusText).toBe('delivered to 0 of 2, sent 2, delivered (recipient not named)');
  });

  it('round two #12: a bounce reason given only as `reason` reaches the reply and its timeline', async () => {
    const { db } = await store();
    const id = recordSend(db, { to: ['pat@example.com'], transport: 'api', emailId: 'E-12' });
    post(db, {
      event: 'bounce',
      email_id: 'E-12',
      rcpt: 'pat@example.com',
      time: after(3 * SEC),
      id: 'n-12',
      bounce: 'hard',
      reason: 'Mailbox does not exist',
    });
    const doc = runReplyStats({ replyId: id }, { store: db }).document;
    expect(doc.bounce_reason).toBe('Mailbox does not exist');
    expect(doc.events[0]?.detail).toBe('Mailbox does not exist');
  });

  it('round two #13: processed recipients joined with `;` mark each recipient processed', async () => {
    const { db } = await store();
    const id = recordSend(db, {
      to: ['ann@example.org', 'bob@example.net'],
      transport: 'api',
      emailId: 'E-13',
    });
    post(db, {
      event: 'processed',
      email_id: 'E-13',
      recipients: 'ann@example.org;bob@example.net',
      time: after(1 * SEC),
      id: 'n-13',
    });
    const processed = db
      .prepare('SELECT email, processed_at FROM reply_recipients WHERE reply_id = ? ORDER BY email')
      .all(id);
    expect(processed).toEqual([
      { email: 'ann@example.org', processed_at: after(1 * SEC) },
      { email: 'bob@example.net', processed_at: after(1 * SEC) },
    ]);
  });

  it('round two #14: a bounce without a type is hard or soft by its SMTP code, else unknown, and a later delivery clears unknown', async () => {
    const { db } = await store();
    const hard = recordSend(db, { to: ['h@example.com'], transport: 'api', emailId: 'E-14h' });
    const soft = recordSend(db, { to: ['s@example.com'], transport: 'api', emailId: 'E-14s' });
    const unknown = recordSend(db, { to: ['u@example.com'], transport: 'api', emailId: 'E-14u' });
    const cleared = recordSend(db, { to: ['c@example.com'], transport: 'api', emailId: 'E-14c' });
    post(db, {
      event: 'bounce',
      email_id: 'E-14h',
      rcpt: 'h@example.com',
      time: after(3 * SEC),
      id: 'n-14h',
      context: 'RCPT TO:<h@example.com>',
      message: '550 5.1.1 no such user',
    });
    post(db, {
      event: 'bounce',
      email_id: 'E-14s',
      rcpt: 's@example.com',
      time: after(3 * SEC),
      id: 'n-14s',
      context: 'DATA: 452 Mailbox full',
    });
    post(db, {
      event: 'bounced',
      email_id: 'E-14u',
      rcpt: 'u@example.com',
      time: after(3 * SEC),
      id: 'n-14u',
      message: 'connection lost',
    });
    post(db, {
      event: 'bounced',
      email_id: 'E-14c',
      rcpt: 'c@example.com',
      time: after(3 * SEC),
      id: 'n-14c1',
    });
    post(db, {
      event: 'delivered',
      email_id: 'E-14c',
      rcpt: 'c@example.com',
      time: after(HOUR),
      id: 'n-14c2',
    });
    const status = (id: number) => runReplyStats({ replyId: id }, { store: db }).document;
    expect([hard, soft, unknown, cleared].map((id) => [status(id).status, status(id).bounce_type])).toEqual([
      ['bounced', 'hard'],
      ['bounced', 'soft'],
      ['bounced', 'unknown'],
      ['delivered', 'unknown'],
    ]);
    expect(summary(db)).toMatchObject({
      bounced: 3,
      bounced_hard: 1,
      bounced_soft: 1,
      bounced_unknown: 1,
      delivered: 1,
    });
  });

  it('round two #14: stats shows the unknown bounces next to hard and soft, in JSON and for people', async () => {
    const { db, path } = await store();
    recordSend(db, { to: ['u@example.com', 'h@example.com'], transport: 'api', emailId: 'E-14x' });
    post(db, {
      event: 'bounce',
      email_id: 'E-14x',
      rcpt: 'u@example.com',
      time: after(3 * SEC),
      id: 'n-14x1',
    });
    post(db, {
      event: 'bounce',
      email_id: 'E-14x',
      rcpt: 'h@example.com',
      time: after(3 * SEC),
      id: 'n-14x2',
      bounce: 'hard',
    });
    expect(summary(db)).toMatchObject({ bounced: 2, bounced_hard: 1, bounced_soft: 0, bounced_unknown: 1 });
    // What the CLI renders is the summary above, the same on both engines (store-backends-agree.test.ts);
    // the CLI's own runs on a PostgreSQL --db belong to the CLI tests.
    if (backend.name !== 'sqlite') return;
    const cli = (args: string[]) =>
      runCliInProcess(['--db', path, ...args], {
        env: { CI: '1', TZ: 'UTC' },
        now: () => new Date(SENT.getTime() + 2 * HOUR),
        columns: 120,
      });
    const human = await cli(['stats']);
    expect(human.stdout).toMatch(
      /recipients bounced\s+2\s+100\.0% of 2 sent\n\s+hard \/ soft \/ unknown\s+1 \/ 0 \/ 1/,
    );
    const byDay = await cli(['stats', '--by', 'day']);
    expect(byDay.stdout).toMatch(/hard\/soft\/unknown/);
    expect(byDay.stdout).toMatch(/\s1\/0\/1\s/);
    const json = JSON.parse((await cli(['--json', 'stats'])).stdout) as { total: Record<string, unknown> };
    expect(json.total).toMatchObject({ bounced: 2, bounced_hard: 1, bounced_soft: 0, bounced_unknown: 1 });
  });

  it('round two #15: a recipient written with a display name matches the reply recipient', async () => {
    const { db } = await store();
    const id = recordSend(db, {
      to: ['alice@example.org', 'bob@example.net'],
      transport: 'api',
      emailId: 'E-15',
    });
    post(db, {
      event: 'delivered',
      email_id: 'E-15',
      rcpt: 'Alice <ALICE@Example.ORG>',
      time: after(5 * SEC),
      id: 'n-15',
    });
    expect(recipient(db, id, 'alice@example.org')).toMatchObject({ delivered_at: after(5 * SEC) });
    expect(
      runReplyStats({ replyId: id }, { store: db }).document.recipients.map((r) => [r.email, r.status]),
    ).toEqual([
      ['alice@example.org', 'delivered'],
      ['bob@example.net', 'sent'],
    ]);
  });
});
