import type { Store } from './open-store.js';

/** `transport` on a finished reply: who carried it (`api+smtp` when a partial success was completed by relay). */
export type ReplyTransport = 'pending' | 'api' | 'smtp' | 'api+smtp' | 'failed';
/** sent: everyone got it; partial: some recipients failed; ambiguous: may or may not have been sent. */
export type SendOutcome = 'sent' | 'partial' | 'ambiguous' | 'failed';
export type RecipientSendStatus = 'sent' | 'failed' | 'ambiguous';

export interface RecipientStatus {
  email: string;
  status: RecipientSendStatus;
  error: string | null;
}

export interface ReplySendSummary {
  transport: ReplyTransport;
  outcome: SendOutcome;
  fallbackReason: string | null;
  lastError: string | null;
  /** When the mail left (API acceptance or relay acceptance), null when nothing was sent. */
  sentAt: Date | null;
}

/**
 * Stores SMTP2Go's email id the moment the API accepts the mail, before any fallback runs, so webhooks
 * (keyed by email id) can be matched to the reply as early as possible.
 */
export function recordSmtp2goEmailId(db: Store, replyId: number, emailId: string, now: Date): void {
  db.prepare(`UPDATE ticket_replies SET smtp2go_email_id = ?, updated_at = ? WHERE id = ?`).run(
    emailId,
    now.toISOString(),
    replyId,
  );
}

export function setRecipientStatuses(
  db: Store,
  replyId: number,
  statuses: RecipientStatus[],
  sentAt: Date | null,
): void {
  const update = db.prepare(
    `UPDATE reply_recipients SET send_status = @status, send_error = @error,
       sent_at = CASE WHEN @status = 'sent' THEN COALESCE(sent_at, @sent_at) ELSE sent_at END
     WHERE reply_id = @reply_id AND email = @email`,
  );
  const write = db.transaction(() => {
    for (const { email, status, error } of statuses) {
      update.run({
        reply_id: replyId,
        email: email.toLowerCase(),
        status,
        error,
        sent_at: sentAt?.toISOString() ?? null,
      });
    }
  });
  write.immediate();
}

export function finishReplySend(db: Store, replyId: number, summary: ReplySendSummary, now: Date): void {
  db.prepare(
    `UPDATE ticket_replies SET transport = @transport, send_outcome = @outcome, fallback_reason = @fallback_reason,
       last_error = @last_error, sent_at = COALESCE(@sent_at, sent_at), updated_at = @now
     WHERE id = @id`,
  ).run({
    id: replyId,
    transport: summary.transport,
    outcome: summary.outcome,
    fallback_reason: summary.fallbackReason,
    last_error: summary.lastError,
    sent_at: summary.sentAt?.toISOString() ?? null,
    now: now.toISOString(),
  });
}

export function listRecipientStatuses(
  db: Store,
  replyId: number,
): Array<{
  email: string;
  role: string;
  send_status: string | null;
  send_error: string | null;
  sent_at: string | null;
}> {
  return db
    .prepare(
      'SELECT email, role, send_status, send_error, sent_at FROM reply_recipients WHERE reply_id = ? ORDER BY id',
    )
    .all(replyId) as never;
}
