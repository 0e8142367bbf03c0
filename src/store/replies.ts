import { storeDialect, type Store } from './open-store.js';

export type RecipientRole = 'to' | 'cc' | 'bcc';

export interface NewRecipient {
  email: string;
  displayName: string | null;
  role: RecipientRole;
}

export interface NewReply {
  /** Attach to an existing reply id (created if missing); otherwise a new id is assigned. */
  id?: number;
  ticketId: number | null;
  subject: string;
  sender: string;
  trackingId: string;
  messageId: string;
  recipients: NewRecipient[];
}

/** The tracking columns a reply and each of its recipients share (see migrations.ts). */
export interface TrackingColumns {
  sent_at: string | null;
  processed_at: string | null;
  delivered_at: string | null;
  opened_at: string | null;
  open_count: number;
  clicked_at: string | null;
  click_count: number;
  bounced_at: string | null;
  bounce_type: string | null;
  bounce_reason: string | null;
  spam_at: string | null;
  rejected_at: string | null;
  unsubscribed_at: string | null;
  resubscribed_at: string | null;
  last_event_at: string | null;
  last_event_type: string | null;
}

/** First-party tracking (migration 6): who tracks, and machine hits kept apart from people's. */
export interface MachineColumns {
  tracker: string | null;
  human_opened_at: string | null;
  machine_open_count: number;
  machine_click_count: number;
}

export interface ReplyRow extends TrackingColumns, MachineColumns {
  id: number;
  ticket_id: number | null;
  subject: string | null;
  sender: string | null;
  recipients: string;
  email_tracking_id: string | null;
  rfc_message_id: string | null;
  smtp2go_email_id: string | null;
  transport: string;
  send_outcome: string | null;
  fallback_reason: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Writes the reply row and its recipients before any network call (transport = pending), so a
 * webhook that races the send response can already find it by tracking id or Message-ID.
 * With `id` set, an existing reply is re-armed for a new send: its tracking id, Message-ID and
 * recipients are replaced and its SMTP2Go email id cleared.
 */
export function createReply(db: Store, reply: NewReply, now: Date): ReplyRow {
  const at = now.toISOString();
  const write = db.transaction(() => {
    const params = {
      ...(reply.id === undefined ? {} : { id: reply.id }),
      ticket_id: reply.ticketId,
      subject: reply.subject,
      sender: reply.sender,
      recipients: JSON.stringify(reply.recipients.map((r) => r.email)),
      tracking_id: reply.trackingId,
      message_id: reply.messageId,
      at,
    };
    const columns = `ticket_id, subject, sender, recipients, email_tracking_id, rfc_message_id, transport, created_at, updated_at`;
    const values = `@ticket_id, @subject, @sender, @recipients, @tracking_id, @message_id, 'pending', @at, @at`;
    if (reply.id !== undefined && storeDialect(db) === 'postgres') advanceReplyIds(db, reply.id);
    // Without an id the column is left out rather than given NULL (SQLite takes NULL as "assign one",
    // PostgreSQL's identity column refuses it), and a new row never takes over an existing one.
    const row = db
      .prepare(
        reply.id === undefined
          ? `INSERT INTO ticket_replies (${columns}) VALUES (${values}) RETURNING id`
          : `INSERT INTO ticket_replies (id, ${columns}) VALUES (@id, ${values})
             ON CONFLICT (id) DO UPDATE SET
               ticket_id = COALESCE(excluded.ticket_id, ticket_replies.ticket_id), subject = excluded.subject,
               sender = excluded.sender, recipients = excluded.recipients, email_tracking_id = excluded.email_tracking_id,
               rfc_message_id = excluded.rfc_message_id, smtp2go_email_id = NULL, transport = 'pending',
               send_outcome = NULL, last_error = NULL, updated_at = excluded.updated_at
             RETURNING id`,
      )
      .get(params) as { id: number };
    const insertRecipient = db.prepare(
      `INSERT INTO reply_recipients (reply_id, email, display_name, role) VALUES (?, ?, ?, ?)
       ON CONFLICT (reply_id, email) DO UPDATE SET display_name = excluded.display_name, role = excluded.role`,
    );
    for (const recipient of reply.recipients) {
      insertRecipient.run(row.id, recipient.email.toLowerCase(), recipient.displayName, recipient.role);
    }
    return row.id;
  });
  const id = write.immediate();
  return getReply(db, id) as ReplyRow;
}

/**
 * An id given by hand does not move PostgreSQL's identity sequence, so the next reply without one would be
 * handed an id already taken; SQLite takes the highest id plus one. Moved before the row is written, so no
 * concurrent send draws the id in between, and only past ids it has not reached yet (re-sending an existing
 * reply leaves it alone): only then does the role need UPDATE on the sequence, for setval.
 */
function advanceReplyIds(db: Store, id: number): void {
  db.prepare(
    `SELECT setval(seq, ?) FROM (SELECT pg_get_serial_sequence('ticket_replies', 'id')::regclass AS seq) s
      WHERE ? > COALESCE(pg_sequence_last_value(seq), 0)`,
  ).get(id, id);
}

export function getReply(db: Store, id: number): ReplyRow | undefined {
  return db.prepare('SELECT * FROM ticket_replies WHERE id = ?').get(id) as ReplyRow | undefined;
}

export function findReplyByEmailId(db: Store, emailId: string): ReplyRow | undefined {
  return db
    .prepare('SELECT * FROM ticket_replies WHERE smtp2go_email_id = ? ORDER BY id DESC LIMIT 1')
    .get(emailId) as ReplyRow | undefined;
}

export function findReplyByTrackingId(db: Store, trackingId: string): ReplyRow | undefined {
  return db.prepare('SELECT * FROM ticket_replies WHERE email_tracking_id = ?').get(trackingId) as
    ReplyRow | undefined;
}

/** The reply the events with this email id were linked to (by tracking id or Message-ID) when no reply row has the id. */
export function findReplyByEventEmailId(db: Store, emailId: string): ReplyRow | undefined {
  return db
    .prepare(
      `SELECT r.* FROM ticket_replies r
       WHERE r.id = (SELECT reply_id FROM email_tracking_events WHERE smtp2go_email_id = ? AND reply_id IS NOT NULL ORDER BY id DESC LIMIT 1)`,
    )
    .get(emailId) as ReplyRow | undefined;
}
