import type { Store } from './open-store.js';
import type { MachineColumns, ReplyRow, TrackingColumns } from './replies.js';

export interface RecipientRow extends TrackingColumns, MachineColumns {
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
  source: string;
  classification: string | null;
  ip: string | null;
}

// Plain prepare: the reply's story is read once per process (`stats --reply`), so a statement cache
// would only cost the start-up path a module.
export function selectReply(db: Store, replyId: number): ReplyRow | undefined {
  return db.prepare('SELECT * FROM ticket_replies WHERE id = ?').get(replyId) as ReplyRow | undefined;
}

/** The columns of a RecipientRow (`replies` reads them for many replies at once). */
export const RECIPIENT_COLUMNS = `email, display_name, role, send_status, send_error, sent_at, processed_at, delivered_at, opened_at, open_count,
            clicked_at, click_count, bounced_at, bounce_type, bounce_reason, spam_at, rejected_at, unsubscribed_at,
            resubscribed_at, last_event_at, last_event_type, tracker, human_opened_at, machine_open_count, machine_click_count`;

export function selectRecipients(db: Store, replyId: number): RecipientRow[] {
  return db
    .prepare(`SELECT ${RECIPIENT_COLUMNS} FROM reply_recipients WHERE reply_id = ? ORDER BY id`)
    .all(replyId) as RecipientRow[];
}

/** Every stored event of the reply, oldest first (ties in the order they were stored); uses events_reply_time. */
export function selectEvents(db: Store, replyId: number): EventRow[] {
  return db
    .prepare(
      `SELECT event_type, occurred_at, recipient, url, bounce_type, detail, received_at, source, classification, ip
       FROM email_tracking_events WHERE reply_id = ? ORDER BY occurred_at, id`,
    )
    .all(replyId) as EventRow[];
}
