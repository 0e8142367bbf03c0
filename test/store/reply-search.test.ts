import { describe, expect, it } from 'vitest';
import { type Store } from '../../src/store/open-store.js';
import { createReply } from '../../src/store/replies.js';
import { likeContaining, selectReplyPage, type ReplySearchFilter } from '../../src/store/reply-search.js';
import { useBackendStores } from '../helpers/backend-stores.js';
import { storeBackends } from '../helpers/postgres.js';
import { useTempStores } from '../helpers/temp-store.js';
import { recordSend, SENT } from '../operations/stats-stores.js';

const at = (minutes: number) => new Date(SENT.getTime() + minutes * 60_000);
let serial = 0;
/** A finished send at SENT + `minutes`, through the send path's store functions. */
function send(
  db: Store,
  minutes: number,
  to: string[],
  extra: Partial<Parameters<typeof recordSend>[1]> = {},
): number {
  serial += 1;
  return recordSend(db, {
    to,
    transport: 'api',
    emailId: `1uSearch-${serial}`,
    trackingId: `trk-search-${serial}`,
    sentAt: at(minutes),
    ...extra,
  });
}
const ids = (db: Store, filter: ReplySearchFilter = {}, count = 100) =>
  selectReplyPage(db, filter, null, count).map((row) => row.id);

describe.each(storeBackends())('selectReplyPage on $name', (backend) => {
  const store = useBackendStores(backend);

  it('lists newest first by send time, ties by id (newest id first), a never-sent reply by its creation time', async () => {
    const db = await store();
    const a = send(db, 0, ['a@example.com']);
    const b = send(db, 10, ['b@example.com']);
    const c = send(db, 10, ['c@example.com']);
    const unsent = createReply(
      db,
      {
        ticketId: 7,
        subject: 's',
        sender: 'x@example.com',
        trackingId: 'trk-unsent',
        messageId: '<trk-unsent@h>',
        recipients: [{ email: 'd@example.com', displayName: null, role: 'to' }],
      },
      at(5),
    ).id;
    expect(ids(db)).toEqual([c, b, unsent, a]);
    const rows = selectReplyPage(db, {}, null, 10);
    expect(rows.map((row) => row.listed_at)).toEqual(
      [at(10), at(10), at(5), at(0)].map((d) => d.toISOString()),
    );
  });

  it('pages strictly after a (time, id) position, through ties in time, without repeats or gaps', async () => {
    const db = await store();
    const made = [
      send(db, 0, ['a@x.test']),
      send(db, 5, ['b@x.test']),
      send(db, 5, ['c@x.test']),
      send(db, 5, ['d@x.test']),
      send(db, 9, ['e@x.test']),
    ];
    const all = ids(db);
    expect(all).toEqual([made[4], made[3], made[2], made[1], made[0]]);
    const seen: number[] = [];
    let after = null;
    for (let page = 0; page < 10; page += 1) {
      const rows = selectReplyPage(db, {}, after, 2);
      if (rows.length === 0) break;
      seen.push(...rows.map((row) => row.id));
      const last = rows[rows.length - 1]!;
      after = { at: last.listed_at, id: last.id };
    }
    expect(seen).toEqual(all);
  });

  it('--recipient: part of any recipient address, any case; % _ and \\ are plain characters', async () => {
    const db = await store();
    const customer = send(db, 0, ['Customer@Example.com']);
    const cc = send(db, 1, ['someone@example.org'], { cc: ['the.customer@shop.test'] });
    const underscore = send(db, 2, ['a_b@example.net']);
    const plainAxb = send(db, 3, ['axb@example.net']);
    const percent = send(db, 4, ['per%cent@example.net']);
    const backslash = send(db, 5, ['back\\slash@example.net']);
    expect(ids(db, { recipient: 'CUSTOMER@' })).toEqual([cc, customer]);
    expect(ids(db, { recipient: 'example.com' })).toEqual([customer]);
    expect(ids(db, { recipient: 'a_b' })).toEqual([underscore]);
    expect(ids(db, { recipient: '_' })).toEqual([underscore]);
    expect(ids(db, { recipient: '%' })).toEqual([percent]);
    expect(ids(db, { recipient: 'AXB' })).toEqual([plainAxb]);
    expect(ids(db, { recipient: '\\' })).toEqual([backslash]);
    expect(ids(db, { recipient: 'nobody' })).toEqual([]);
    expect(likeContaining('A%b_c\\')).toBe('%a\\%b\\_c\\\\%');
  });

  it('ticket, ids, transport and time bounds; filters combine with AND', async () => {
    const db = await store();
    const api = send(db, 0, ['one@example.com'], { ticketId: 501 });
    const smtp = send(db, 10, ['two@example.com'], { ticketId: 501, transport: 'smtp', emailId: null });
    const both = send(db, 20, ['three@example.com'], { ticketId: 502, transport: 'api+smtp' });
    const failed = send(db, 30, ['four@example.com'], { ticketId: 501, transport: 'failed', emailId: null });
    expect(ids(db, { ticketId: 501 })).toEqual([failed, smtp, api]);
    expect(ids(db, { transport: 'api' })).toEqual([both, api]);
    expect(ids(db, { transport: 'smtp' })).toEqual([both, smtp]);
    expect(ids(db, { ticketId: 501, transport: 'smtp' })).toEqual([smtp]);
    const row = selectReplyPage(db, {}, null, 10).find((r) => r.id === both)!;
    expect(ids(db, { trackingId: row.email_tracking_id! })).toEqual([both]);
    expect(ids(db, { emailId: row.smtp2go_email_id! })).toEqual([both]);
    expect(ids(db, { messageId: row.rfc_message_id! })).toEqual([both]);
    expect(ids(db, { emailId: 'nope' })).toEqual([]);
    // since inclusive, until exclusive, on the send time (the failed reply was never sent: its creation time).
    expect(ids(db, { since: at(10).toISOString(), until: at(30).toISOString() })).toEqual([both, smtp]);
    expect(ids(db, { since: at(30).toISOString() })).toEqual([failed]);
    expect(ids(db, { recipient: 'o@', ticketId: 501, since: at(5).toISOString() })).toEqual([smtp]);
  });
});

// EXPLAIN QUERY PLAN and its wording are SQLite's: PostgreSQL's planner is not pinned.
describe('selectReplyPage on SQLite', () => {
  const store = useTempStores();

  it('walks the listing index, not a sort of every reply (migration 5)', () => {
    const db = store();
    const plan = (filter: ReplySearchFilter, after: { at: string; id: number } | null) => {
      // The query text is the module's own: capture it as it is prepared.
      const sqls: string[] = [];
      const original = db.prepare.bind(db);
      (db as { prepare: unknown }).prepare = (sql: string) => (sqls.push(sql), original(sql));
      try {
        selectReplyPage(db, filter, after, 20);
      } finally {
        (db as { prepare: unknown }).prepare = original;
      }
      const sql = sqls.find((text) => text.includes('FROM ticket_replies r'))!;
      const params = { count: 20, after_at: after?.at, after_id: after?.id, recipient: '%x%' };
      const used = Object.fromEntries(Object.entries(params).filter(([key]) => sql.includes(`@${key}`)));
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(used) as Array<{ detail: string }>)
        .map((row) => row.detail)
        .join('\n');
    };
    for (const detail of [
      plan({}, null),
      plan({}, { at: SENT.toISOString(), id: 9 }),
      plan({ recipient: 'x' }, null),
    ]) {
      expect(detail).toMatch(/USING INDEX ticket_replies_listed/);
      expect(detail).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
  });
});
