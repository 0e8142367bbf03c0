import type { Store } from './open-store.js';
import type { ReplyRow, TrackingColumns } from './replies.js';

export interface RecipientRow extends TrackingColumns {
  email: string;
  display_name: string | null;
  role: string;
  send_status: string | null;
  send_error: string | null;
}

export interface EventRow {
  event_type: string;
  occurred_at: string;
  recipient: string | null;
  url: string | null;
  bounce_type: string | null;
  detail: string | null;
  received_at: string;
}

// Prepared statements are cached per connection: a statement belongs to the database that prepared it.
const cache = new WeakMap<Store, Map<string, ReturnType<Store['prepare']>>>();

export function prepared(db: Store, sql: string): ReturnType<Store['prepare']> {
  let statements = cache.get(db);
  if (statements === undefined) cache.set(db, (statements = new Map()));
  let statement = statements.get(sql);
  if (statement === undefined) statements.set(sql, (statement = db.prepare(sql)));
  return statement;
}

export function selectReply(db: Store, replyId: number): ReplyRow | undefined {
  return prepared(db, 'SELECT * FROM ticket_replies WHERE id = ?').get(replyId) as ReplyRow | undefined;
}

export function selectRecipients(db: Store, replyId: number): RecipientRow[] {
  return prepared(
    db,
    `SELECT email, display_name, role, send_status, send_error, sent_at, processed_at, delivered_at, opened_at, open_count,
            clicked_at, click_count, bounced_at, bounce_type, bounce_reason, spam_at, rejected_at, unsubscribed_at,
            resubscribed_at, last_event_at, last_event_type
       FROM reply_recipients WHERE reply_id = ? ORDER BY id`,
  ).all(replyId) as RecipientRow[];
}

/** Every stored event of the reply, oldest first (ties in the order they were stored); uses events_reply_time. */
export function selectEvents(db: Store, replyId: number): EventRow[] {
  return prepared(
    db,
    `SELECT event_type, occurred_at, recipient, url, bounce_type, detail, received_at
       FROM email_tracking_events WHERE reply_id = ? ORDER BY occurred_at, id`,
  ).all(replyId) as EventRow[];
}
