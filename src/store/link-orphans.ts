import { normalizeEvent, type WebhookFields } from '../core/normalize-event.js';
import type { Store } from './open-store.js';
import { statementCache } from './statement-cache.js';
import { applyTrackingEffects, type EffectEvent } from './tracking-effects.js';

interface OrphanRow {
  id: number;
  event_type: string;
  recipient: string | null;
  occurred_at: string;
  payload: string;
}

const statements = statementCache((db) => ({
  reply: db.prepare(
    'SELECT smtp2go_email_id, email_tracking_id, rfc_message_id FROM ticket_replies WHERE id = ?',
  ),
  orphans: db.prepare(
    `SELECT id, event_type, recipient, occurred_at, payload FROM email_tracking_events
     WHERE reply_id IS NULL AND ((CAST(@email_id AS TEXT) IS NOT NULL AND smtp2go_email_id = @email_id)
       OR (CAST(@tracking_id AS TEXT) IS NOT NULL AND tracking_id = @tracking_id)
       OR (CAST(@message_id AS TEXT) IS NOT NULL AND message_id = @message_id))
     ORDER BY occurred_at, id`,
  ),
  link: db.prepare('UPDATE email_tracking_events SET reply_id = ? WHERE id = ?'),
}));

/**
 * Links events stored before their reply could be found (a `processed` webhook often beats the send
 * response that carries the email id) and applies them to the reply's story. Returns how many were linked.
 * Every tracking rule is order-independent, so applying them late gives the same result as on time.
 */
export function linkOrphanEvents(db: Store, replyId: number): number {
  const sql = statements(db);
  const run = db.transaction(() => {
    const reply = sql.reply.get(replyId) as
      | { smtp2go_email_id: string | null; email_tracking_id: string | null; rfc_message_id: string | null }
      | undefined;
    if (reply === undefined) return 0;
    const orphans = sql.orphans.all({
      email_id: reply.smtp2go_email_id,
      tracking_id: reply.email_tracking_id,
      message_id: reply.rfc_message_id,
    }) as OrphanRow[];
    for (const row of orphans) {
      sql.link.run(replyId, row.id);
      applyTrackingEffects(db, replyId, storedEvent(row));
    }
    return orphans.length;
  });
  return run.immediate();
}

/** The parts of a stored event the tracking rules read (processed's recipient list lives in the payload). */
function storedEvent(row: OrphanRow): EffectEvent {
  const recipients =
    row.event_type === 'processed'
      ? normalizeEvent(JSON.parse(row.payload) as WebhookFields, new Date(row.occurred_at)).recipients
      : [];
  return { type: row.event_type, recipient: row.recipient, recipients, occurredAt: row.occurred_at };
}
