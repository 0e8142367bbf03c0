import type { TrackingEvent } from '../core/tracking-event.js';
import type { Store } from './open-store.js';
import { statementCache } from './statement-cache.js';

// SMTP2Go's own Message-ID is `<E{email_id}@message-id.smtpcorp.com>` (seen in live form bodies).
const SMTPCORP_MESSAGE_ID = /^<?E([^@<>\s]+)@message-id\.smtpcorp\.com>?$/i;

/** The email id an event refers to: its `email_id`, else the one inside SMTP2Go's own Message-ID. */
export function eventEmailId(event: TrackingEvent): string | null {
  if (event.emailId !== null) return event.emailId;
  return SMTPCORP_MESSAGE_ID.exec(event.messageId ?? '')?.[1] ?? null;
}

/** Message-IDs compared with their angle brackets, however the sender wrote them. */
export function bracketed(messageId: string | null): string | null {
  if (messageId === null) return null;
  const bare = messageId.trim().replace(/^<|>$/g, '');
  return bare === '' ? null : `<${bare}>`;
}

const statements = statementCache((db) => ({
  byEmailId: db
    .prepare('SELECT id FROM ticket_replies WHERE smtp2go_email_id = ? ORDER BY id DESC LIMIT 1')
    .pluck(),
  byTrackingId: db.prepare('SELECT id FROM ticket_replies WHERE email_tracking_id = ?').pluck(),
  byMessageId: db
    .prepare('SELECT id FROM ticket_replies WHERE rfc_message_id = ? ORDER BY id DESC LIMIT 1')
    .pluck(),
}));

/**
 * The reply an event belongs to, by SMTP2Go's email id, else our tracking id echoed as a field, else the
 * Message-ID (ours carries the tracking id; SMTP2Go's carries the email id). Undefined leaves it unlinked
 * until a reply gets that id (see linkOrphanEvents).
 */
export function findReplyForEvent(db: Store, event: TrackingEvent): number | undefined {
  return findReplyByIds(db, eventEmailId(event), event.trackingId, bracketed(event.messageId));
}

/** findReplyForEvent for a caller that has already worked out the event's email id and bracketed Message-ID. */
export function findReplyByIds(
  db: Store,
  emailId: string | null,
  trackingId: string | null,
  messageId: string | null,
): number | undefined {
  const sql = statements(db);
  return (
    (emailId === null ? undefined : (sql.byEmailId.get(emailId) as number | undefined)) ??
    (trackingId === null ? undefined : (sql.byTrackingId.get(trackingId) as number | undefined)) ??
    (messageId === null ? undefined : (sql.byMessageId.get(messageId) as number | undefined))
  );
}
