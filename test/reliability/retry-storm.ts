import { randomBytes } from 'node:crypto';
import type { Store } from '../../src/store/open-store.js';
import { createReply } from '../../src/store/replies.js';
import { recordSmtp2goEmailId } from '../../src/store/reply-sends.js';
import { seededRandom, shuffle, type GeneratedEvent } from './load-generator.js';

const TYPES = [
  'delivered',
  'open',
  'open',
  'click',
  'bounce',
  'spam',
  'unsubscribe',
  'reject',
  'x-unknown-event',
] as const;

export interface StormEmail {
  emailId: string;
  recipients: string[];
  /** Events of this email have no reply to link to (stored unlinked in both runs). */
  orphan: boolean;
}

export interface StormPlan {
  emails: StormEmail[];
  /** The clean run: each event once, in event-time order. */
  inOrder: GeneratedEvent[];
  /** The storm: 30% of the events 2-5 times, everything shuffled (so each email's events arrive in random order). */
  storm: GeneratedEvent[];
  repeated: number;
}

/**
 * Emails of three recipients with a processed event and 3-12 more. Times are whole seconds and often
 * equal (ties are where order-dependence hides); a fifth of the events carry no notification id, so the
 * listener must recognise their retries by content; 5% of the emails have no reply.
 */
export function planRetryStorm(count: number, seed: number): StormPlan {
  const random = seededRandom(seed);
  const run = seed.toString(36);
  const base = Date.parse('2026-09-10T08:00:00Z');
  const emails: StormEmail[] = [];
  const inOrder: Array<GeneratedEvent & { at: number }> = [];
  for (let e = 0; inOrder.length < count; e++) {
    // A tenth of the emails go to one recipient, who also owns the events that name nobody (round two #11).
    const recipients =
      random() < 0.1
        ? [`a${e}@example.com`]
        : [`a${e}@example.com`, `b${e}@example.org`, `c${e}@example.net`];
    const email: StormEmail = { emailId: `storm${run}-${e}-XY`, recipients, orphan: random() < 0.05 };
    emails.push(email);
    const start = base + e * 120_000;
    const drafts: Array<{
      fields: Record<string, unknown>;
      type: string;
      recipient: string | null;
      at: number;
      content: string;
    }> = [];
    const n = 3 + Math.floor(random() * 10);
    for (let k = 0; k <= n && inOrder.length + drafts.length < count; k++) {
      const type = k === 0 ? 'processed' : TYPES[Math.floor(random() * TYPES.length)]!;
      const recipient =
        type === 'processed'
          ? null
          : random() < 0.05
            ? null
            : email.recipients[Math.floor(random() * email.recipients.length)]!;
      const at = start + (k === 0 ? 0 : 1_000 * (1 + Math.floor(random() * 8)));
      const fields: Record<string, unknown> = {
        email_id: email.emailId,
        event: type,
        time: new Date(at).toISOString().replace('.000', ''),
      };
      if (type === 'processed') fields.recipients = email.recipients;
      else if (recipient !== null) fields.rcpt = recipient;
      if (type === 'click') fields.url = `https://example.com/kb/${Math.floor(random() * 3)}`;
      if (type === 'bounce') {
        const hard = random() < 0.5;
        // The SMTP code agrees with the stated kind, so a copy that leaves the kind out classifies alike.
        Object.assign(fields, {
          bounce: hard ? 'hard' : 'soft',
          context: hard ? `RCPT TO: 5${Math.floor(random() * 10)}0` : `DATA: 45${Math.floor(random() * 3)}`,
        });
      }
      drafts.push({
        fields,
        type,
        recipient,
        at,
        content: JSON.stringify([type, recipient, fields.time, fields.url]),
      });
    }
    // An id-less event is recognised by its content, so it must be the only event with that content
    // (otherwise the outcome depends on arrival order: see the content-dedupe finding in RELIABILITY.md).
    const seen = new Map<string, number>();
    for (const draft of drafts) seen.set(draft.content, (seen.get(draft.content) ?? 0) + 1);
    for (const { fields, type, recipient, at, content } of drafts) {
      const id = seen.get(content) === 1 && random() < 0.2 ? null : randomBytes(16).toString('hex');
      if (id !== null) fields.id = id;
      inOrder.push({
        id: id ?? `content:${JSON.stringify(fields)}`,
        emailId: email.emailId,
        type,
        recipient,
        body: JSON.stringify(fields),
        at,
      });
    }
  }
  inOrder.sort((a, b) => a.at - b.at);
  const storm: GeneratedEvent[] = [];
  let repeated = 0;
  for (const event of inOrder) {
    const copies = random() < 0.3 ? 2 + Math.floor(random() * 4) : 1;
    if (copies > 1) repeated += 1;
    for (let c = 0; c < copies; c++)
      storm.push(random() < 0.4 ? { ...event, body: respell(event.body, random) } : event);
  }
  return { emails, inOrder, storm: shuffle(storm, random), repeated };
}

/**
 * The same event as other SMTP2Go integrations write it (round two #11-#15): the recipient under
 * `recipient` or `email`, or with a display name; processed recipients joined with `;`; the bounce text
 * as `reason`; the bounce kind left to the SMTP code. The clean run gets the plain spelling, so any of
 * these read differently shows up as a difference from it.
 */
function respell(body: string, random: () => number): string {
  const fields = JSON.parse(body) as Record<string, unknown>;
  const pick = Math.floor(random() * 4);
  if (typeof fields.rcpt === 'string') {
    const address = fields.rcpt;
    delete fields.rcpt;
    if (pick === 0) fields.recipient = address;
    else if (pick === 1) fields.email = address;
    else fields.rcpt = `"Storm, ${address.split('@')[0]}" <${address.toUpperCase()}>`;
  }
  if (Array.isArray(fields.recipients)) {
    fields.recipients = (fields.recipients as string[])
      .map((address, i) => (i === 0 ? `Storm <${address}>` : address))
      .join('; ');
  }
  if (fields.event === 'bounce') {
    if (pick % 2 === 0) {
      fields.reason = fields.context;
      delete fields.context;
    }
    if (pick < 2) delete fields.bounce;
  }
  return JSON.stringify(fields);
}

/**
 * Creates the replies the events belong to, with their SMTP2Go email ids, exactly alike in both stores:
 * the ids are given (1, 2, …), so whole rows compare across stores and engines.
 */
export function prepareReplies(db: Store, plan: StormPlan): void {
  const now = new Date('2026-09-10T07:59:00Z');
  let id = 0;
  db.transaction(() => {
    for (const email of plan.emails) {
      if (email.orphan) continue;
      const reply = createReply(
        db,
        {
          id: ++id,
          ticketId: null,
          subject: 'storm',
          sender: 'help@example.com',
          trackingId: `t-${email.emailId}`,
          messageId: `<t-${email.emailId}@portal.example.com>`,
          recipients: email.recipients.map((address, i) => ({
            email: address,
            displayName: null,
            role: i === 2 ? 'cc' : 'to',
          })),
        },
        now,
      );
      recordSmtp2goEmailId(db, reply.id, email.emailId, now);
    }
  })();
}

const TRACKING = `sent_at, processed_at, delivered_at, opened_at, open_count, clicked_at, click_count, bounced_at, bounce_type,
  bounce_reason, spam_at, rejected_at, unsubscribed_at, resubscribed_at, last_event_at, last_event_type`;

/** Everything the per-reply and per-recipient stories are made of, in a form two stores can be compared by. */
export function trackingSnapshot(db: Store): {
  replies: unknown[];
  recipients: unknown[];
  events: unknown[];
} {
  return {
    replies: db
      .prepare(`SELECT smtp2go_email_id, ${TRACKING} FROM ticket_replies ORDER BY smtp2go_email_id`)
      .all(),
    recipients: db
      .prepare(
        `SELECT r.smtp2go_email_id, rr.email, ${TRACKING.replace(/(\w+)/g, 'rr.$1')} FROM reply_recipients rr JOIN ticket_replies r ON r.id = rr.reply_id ORDER BY r.smtp2go_email_id, rr.email`,
      )
      .all(),
    events: db
      .prepare(
        `SELECT e.dedupe_key, e.event_type, e.recipient, e.occurred_at, e.bounce_type, r.smtp2go_email_id AS linked_to
      FROM email_tracking_events e LEFT JOIN ticket_replies r ON r.id = e.reply_id ORDER BY e.dedupe_key`,
      )
      .all(),
  };
}

// What only differs by which copy of a notification came first (its spelling, its arrival) or by the order
// rows were inserted in; every other column of an event row is compared.
const EVENT_COLUMNS = `dedupe_key, notification_id, content_key, reply_id, smtp2go_email_id, tracking_id, message_id,
  event_type, raw_type, recipient, url, user_agent, ip, bounce_type, detail, occurred_at, time_source, source, classification`;

/**
 * Whole rows, for stores that may be on different engines: every column of every reply and recipient,
 * every event row but for the columns above, and the event count per type.
 */
export function wholeRowSnapshot(db: Store): {
  replies: unknown[];
  recipients: unknown[];
  events: unknown[];
  perType: unknown[];
} {
  return {
    replies: db.prepare('SELECT * FROM ticket_replies ORDER BY id').all(),
    recipients: db.prepare('SELECT * FROM reply_recipients ORDER BY reply_id, email').all(),
    events: db.prepare(`SELECT ${EVENT_COLUMNS} FROM email_tracking_events ORDER BY dedupe_key`).all(),
    perType: db
      .prepare(
        'SELECT event_type, COUNT(*) AS n FROM email_tracking_events GROUP BY event_type ORDER BY event_type',
      )
      .all(),
  };
}
