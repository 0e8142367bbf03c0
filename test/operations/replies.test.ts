import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatReplyCursor, parseReplyCursor } from '../../src/core/reply-cursor.js';
import { REPLY_STATUSES, summarizeReplyStatus } from '../../src/core/reply-status.js';
import { runReplies, type RepliesOptions } from '../../src/operations/replies.js';
import { runReplyStats } from '../../src/operations/stats.js';
import { type Store } from '../../src/store/open-store.js';
import { createReply, getReply } from '../../src/store/replies.js';
import { finishReplySend } from '../../src/store/reply-sends.js';
import { selectRecipients } from '../../src/store/stats-queries.js';
import { useBackendStores } from '../helpers/backend-stores.js';
import { storeBackends } from '../helpers/postgres.js';
import {
  deliveredAndOpened,
  duplicatesOutOfOrder,
  HOUR,
  multiWithBounce,
  recordSend,
  SENT,
} from './stats-stores.js';

const list = (db: Store, options: Partial<RepliesOptions> = {}) =>
  runReplies({ limit: 20, cursor: null, ...options }, { store: db });
const ids = (db: Store, options: Partial<RepliesOptions> = {}) =>
  list(db, { limit: 1000, ...options }).replies.map((r) => r.reply_id);
let serial = 0;
/** Thrown to roll a property case's transaction back. */
const ROLLBACK = new Error('rollback');
function send(
  db: Store,
  minutes: number,
  to = ['someone@example.com'],
  extra: Partial<Parameters<typeof recordSend>[1]> = {},
): number {
  serial += 1;
  return recordSend(db, {
    to,
    transport: 'api',
    emailId: `1uOp-${serial}`,
    trackingId: `trk-op-${serial}`,
    sentAt: new Date(SENT.getTime() + minutes * 60_000),
    ...extra,
  });
}

/** Every page, following next_cursor until it is null. */
function allPages(
  db: Store,
  options: Partial<RepliesOptions>,
  start: string | null = null,
): { pages: number[][]; cursors: Array<string | null> } {
  const pages: number[][] = [];
  const cursors: Array<string | null> = [];
  let cursor = start;
  do {
    const page = list(db, { ...options, cursor: cursor === null ? null : parseReplyCursor(cursor) });
    pages.push(page.replies.map((r) => r.reply_id));
    cursors.push((cursor = page.next_cursor));
  } while (cursor !== null && pages.length < 100);
  return { pages, cursors };
}

describe.each(storeBackends())('runReplies on $name', (backend) => {
  const store = useBackendStores(backend);

  it('each item carries the stats --reply --json fields, less clicks and events, with the same values', async () => {
    const db = await store();
    const ids = [deliveredAndOpened(db), multiWithBounce(db), duplicatesOutOfOrder(db).id];
    const { replies, next_cursor } = list(db);
    expect(next_cursor).toBeNull();
    expect(replies.map((r) => r.reply_id).sort()).toEqual([...ids].sort());
    for (const item of replies) {
      const {
        events,
        clicks: _clicks,
        ...document
      } = runReplyStats({ replyId: item.reply_id }, { store: db }).document;
      expect(events.length).toBeGreaterThan(0);
      const { listed_at, ...fields } = item;
      expect(fields).toEqual(document);
      expect(Object.keys(fields)).toEqual(Object.keys(document));
      expect(listed_at).toBe(document.sent_at);
    }
  });

  it('pages of `limit`, the last one with next_cursor null, even when it is exactly full', async () => {
    const db = await store();
    // Three replies at each of two times: ties broken by id, newest first.
    const [a, b, c, d, e, f] = Array.from({ length: 6 }, (_, i) => send(db, i % 2 === 0 ? 10 : 20));
    const { pages, cursors } = allPages(db, { limit: 2 });
    expect(pages.flat()).toEqual(ids(db));
    expect(new Set(pages.flat()).size).toBe(6);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 2]);
    expect(cursors.at(-1)).toBeNull();
    expect(ids(db)).toEqual([f, d, b, e, c, a]);
    expect(list(db, { limit: 6 }).next_cursor).toBeNull();
    expect(list(db, { limit: 5 }).next_cursor).not.toBeNull();
  });

  it('a cursor stays put when replies are stored meanwhile: no repeats, no gaps among those listed before', async () => {
    const db = await store();
    const before = Array.from({ length: 5 }, (_, i) => send(db, i < 3 ? 30 : 40));
    const first = list(db, { limit: 2 });
    // Newer, and as old as the page's last reply (a larger id, so ahead of it): neither belongs after the cursor.
    send(db, 50);
    send(db, 40);
    const rest = allPages(db, { limit: 2 }, first.next_cursor).pages.flat();
    expect([...first.replies.map((r) => r.reply_id), ...rest].sort()).toEqual([...before].sort());
  });

  it('a status filter finds sparse matches across many batches and pages through them', async () => {
    const db = await store();
    const bounced: number[] = [];
    db.exec('BEGIN');
    for (let i = 0; i < 260; i += 1) {
      const id = send(db, i);
      if (i % 50 === 7) {
        db.prepare("UPDATE reply_recipients SET bounced_at = ?, bounce_type = 'hard' WHERE reply_id = ?").run(
          new Date(SENT.getTime() + HOUR).toISOString(),
          id,
        );
        bounced.unshift(id);
      }
    }
    db.exec('COMMIT');
    const { pages, cursors } = allPages(db, { status: 'bounced', limit: 2 });
    expect(pages).toEqual([bounced.slice(0, 2), bounced.slice(2, 4), bounced.slice(4, 6)]);
    expect(cursors.at(-1)).toBeNull();
  });

  it('--status ambiguous: pending after an ambiguous send; once SMTP2Go reports it, its real status', async () => {
    const db = await store();
    const ambiguous = (minutes: number) => {
      const id = createReply(
        db,
        {
          ticketId: 9,
          subject: 's',
          sender: 'h@example.com',
          trackingId: `trk-amb-${minutes}`,
          messageId: `<trk-amb-${minutes}@h>`,
          recipients: [{ email: 'amb@example.com', displayName: null, role: 'to' }],
        },
        SENT,
      ).id;
      finishReplySend(
        db,
        id,
        {
          transport: 'api',
          outcome: 'ambiguous',
          fallbackReason: null,
          lastError: 'api: no answer within 20000 ms after the request was sent',
          sentAt: null,
        },
        SENT,
      );
      return id;
    };
    const stillUnknown = ambiguous(1);
    const laterDelivered = ambiguous(2);
    db.prepare('UPDATE reply_recipients SET delivered_at = ? WHERE reply_id = ?').run(
      new Date(SENT.getTime() + HOUR).toISOString(),
      laterDelivered,
    );
    const plainPending = createReply(
      db,
      {
        ticketId: 9,
        subject: 's',
        sender: 'h@example.com',
        trackingId: 'trk-pend',
        messageId: '<trk-pend@h>',
        recipients: [{ email: 'p@example.com', displayName: null, role: 'to' }],
      },
      SENT,
    ).id;
    expect(ids(db, { status: 'ambiguous' })).toEqual([stillUnknown]);
    expect(ids(db, { status: 'pending' }).sort()).toEqual([stillUnknown, plainPending].sort());
    expect(ids(db, { status: 'delivered' })).toEqual([laterDelivered]);
    const item = list(db, { status: 'ambiguous' }).replies[0];
    expect(item).toMatchObject({
      status: 'pending',
      send_outcome: 'ambiguous',
      transport: 'api',
      last_error: 'api: no answer within 20000 ms after the request was sent',
    });
  });

  it('--message-id with or without angle brackets; an id filter names one reply', async () => {
    const db = await store();
    const id = send(db, 0, ['x@example.com'], { trackingId: 'trk-msg-1' });
    send(db, 1);
    expect(ids(db, { messageId: 'trk-msg-1@portal.example.com' })).toEqual([id]);
    expect(ids(db, { messageId: ' <trk-msg-1@portal.example.com> ' })).toEqual([id]);
    expect(ids(db, { messageId: '<>' })).toEqual([]);
    expect(ids(db, { trackingId: 'trk-msg-1' })).toEqual([id]);
  });

  it('the next cursor is the last listed reply', async () => {
    const db = await store();
    send(db, 0);
    const second = send(db, 5);
    send(db, 10);
    const page = list(db, { limit: 2 });
    expect(page.next_cursor).toBe(
      formatReplyCursor({ at: new Date(SENT.getTime() + 5 * 60_000).toISOString(), id: second }),
    );
  });
});

// Any mix of recipient marks (or of the reply's own, when it has no recipients): a reply is listed under
// exactly the status `stats` gives it, so the store's cheap pre-filter never hides a match.
describe.each(storeBackends())('--status agrees with core/reply-status.ts on $name', (backend) => {
  const store = useBackendStores(backend);
  const COLUMNS = [
    'sent_at',
    'processed_at',
    'delivered_at',
    'opened_at',
    'clicked_at',
    'bounced_at',
    'spam_at',
    'rejected_at',
    'unsubscribed_at',
    'resubscribed_at',
  ] as const;
  // A few marks at a time, so the rare combinations (only an unsubscribe undone by a resubscribe, say) come up.
  const marks = fc
    .tuple(
      fc.subarray([...COLUMNS], { maxLength: 2 }),
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: COLUMNS.length, maxLength: COLUMNS.length }),
      fc.constantFrom(null, 'hard', 'soft'),
    )
    .map(([set, hours, bounceType]) => ({
      ...Object.fromEntries(
        COLUMNS.map((column, i) => [
          column,
          set.includes(column) ? new Date(SENT.getTime() + (hours[i] ?? 0) * HOUR).toISOString() : null,
        ]),
      ),
      bounce_type: bounceType,
    }));
  const h = (hours: number) => new Date(SENT.getTime() + hours * HOUR).toISOString();
  const only = (set: Partial<Record<(typeof COLUMNS)[number] | 'bounce_type', string>>) => ({
    ...Object.fromEntries(COLUMNS.map((c) => [c, null])),
    bounce_type: null,
    ...set,
  });
  // Edge cases every run checks, whatever the random draw: an unsubscribe undone by a resubscribe (on the reply
  // itself and on a recipient), a soft bounce followed by a delivery, a failed send with no recipient rows.
  const EDGES = [
    { recipients: [], own: only({ unsubscribed_at: h(1), resubscribed_at: h(2) }), transport: 'pending' },
    {
      recipients: [{ marks: only({ unsubscribed_at: h(1), resubscribed_at: h(2) }), send_status: null }],
      own: only({}),
      transport: 'pending',
    },
    {
      recipients: [
        { marks: only({ bounced_at: h(1), bounce_type: 'soft', delivered_at: h(2) }), send_status: 'sent' },
      ],
      own: only({}),
      transport: 'api',
    },
    { recipients: [], own: only({}), transport: 'failed' },
  ];
  const recipient = fc.record({ marks, send_status: fc.constantFrom(null, 'sent', 'failed', 'ambiguous') });
  const reply = fc.record({
    recipients: fc.array(recipient, { maxLength: 3 }),
    own: marks,
    transport: fc.constantFrom('pending', 'api', 'smtp', 'api+smtp', 'failed'),
  });

  it('for random replies, every status lists exactly the replies in it', async () => {
    const db = await store();
    const set = (table: string, where: string, values: Record<string, unknown>, key: unknown) => {
      const columns = Object.keys(values);
      db.prepare(
        `UPDATE ${table} SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE ${where} = @key`,
      ).run({ ...values, key });
    };
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 25 }), (replies) => {
        // Each case in a transaction that is rolled back: the next starts from an empty store, and nothing waits for the disk.
        // Rolled back by throwing out of db.transaction(): PostgresStore's transactions cannot see an exec('BEGIN').
        try {
          db.transaction(() => {
            replies.forEach((r, i) => {
              const emails = r.recipients.map((_, j) => `r${j}@example.com`);
              const id = createReply(
                db,
                {
                  ticketId: null,
                  subject: 's',
                  sender: 'h@example.com',
                  trackingId: `trk-p-${i}`,
                  messageId: `<trk-p-${i}@h>`,
                  recipients: emails.map((email) => ({ email, displayName: null, role: 'to' as const })),
                },
                SENT,
              ).id;
              set('ticket_replies', 'id', { ...r.own, transport: r.transport }, id);
              r.recipients.forEach((rr, j) =>
                set(
                  'reply_recipients',
                  `reply_id = ${id} AND email`,
                  { ...rr.marks, send_status: rr.send_status },
                  emails[j],
                ),
              );
            });
            const expected = new Map<string, number[]>();
            for (const row of db
              .prepare('SELECT id FROM ticket_replies ORDER BY id DESC')
              .pluck()
              .all() as number[]) {
              const status = summarizeReplyStatus(getReply(db, row)!, selectRecipients(db, row)).status;
              expected.set(status, [...(expected.get(status) ?? []), row]);
            }
            for (const status of REPLY_STATUSES)
              expect(ids(db, { status }).sort(), status).toEqual((expected.get(status) ?? []).sort());
            throw ROLLBACK;
          })();
        } catch (error) {
          if (error !== ROLLBACK) throw error;
        }
      }),
      // Each statement is a round trip to PostgreSQL: fewer random cases there, the same edge cases.
      { numRuns: backend.name === 'sqlite' ? 100 : 30, examples: [[EDGES as never]] },
    );
  });
});
