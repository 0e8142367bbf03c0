import type { ReplyRow } from './replies.js';
import type { Store } from './open-store.js';

/**
 * A reply's story is incomplete while SMTP2Go has not been heard to process it, or while any recipient
 * (or the reply itself, when it has no recipient rows) has no final delivery outcome: delivered, bounced
 * or rejected. Only replies SMTP2Go accepted (an email id) can be looked up in its activity log.
 */
const INCOMPLETE = `
  r.processed_at IS NULL
  OR EXISTS (SELECT 1 FROM reply_recipients rr WHERE rr.reply_id = r.id
             AND rr.delivered_at IS NULL AND rr.bounced_at IS NULL AND rr.rejected_at IS NULL)
  OR (NOT EXISTS (SELECT 1 FROM reply_recipients rr WHERE rr.reply_id = r.id)
      AND r.delivered_at IS NULL AND r.bounced_at IS NULL AND r.rejected_at IS NULL)`;

export function findIncompleteReplies(db: Store, sinceIso: string, untilIso: string): ReplyRow[] {
  return db
    .prepare(
      `SELECT r.* FROM ticket_replies r
       WHERE r.smtp2go_email_id IS NOT NULL AND r.smtp2go_email_id <> ''
         AND COALESCE(r.sent_at, r.created_at) >= ? AND COALESCE(r.sent_at, r.created_at) <= ?
         AND (${INCOMPLETE})
       ORDER BY COALESCE(r.sent_at, r.created_at), r.id`,
    )
    .all(sinceIso, untilIso) as ReplyRow[];
}

export interface EventIdentity {
  emailId: string | null;
  type: string;
  recipient: string | null;
  occurredAt: string;
  url: string | null;
}

/**
 * Whether an event with the same content is already stored, whatever its dedupe key. Needed because a
 * webhook-delivered event is keyed by SMTP2Go's notification `id`, which /activity/search never returns,
 * so the same open fetched by reconcile would otherwise get a different key and be counted twice.
 * Times are compared to the second: webhook `time` and activity `date` both carry whole seconds.
 */
export function hasMatchingEvent(db: Store, event: EventIdentity): boolean {
  const row = db
    .prepare(
      `SELECT 1 FROM email_tracking_events
       WHERE smtp2go_email_id IS NOT DISTINCT FROM ? AND event_type = ? AND recipient IS NOT DISTINCT FROM ?
         AND url IS NOT DISTINCT FROM ?
         AND substr(occurred_at, 1, 19) = substr(?, 1, 19)
       LIMIT 1`,
    )
    .get(event.emailId, event.type, event.recipient, event.url, event.occurredAt);
  return row !== undefined;
}

export function maxEventId(db: Store): number {
  return (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM email_tracking_events').get() as { id: number })
    .id;
}

export interface StoredEventSummary {
  reply_id: number | null;
  smtp2go_email_id: string | null;
  event_type: string;
  recipient: string | null;
  occurred_at: string;
}

export function eventsAfter(db: Store, id: number): StoredEventSummary[] {
  return db
    .prepare(
      'SELECT reply_id, smtp2go_email_id, event_type, recipient, occurred_at FROM email_tracking_events WHERE id > ? ORDER BY occurred_at, id',
    )
    .all(id) as StoredEventSummary[];
}
