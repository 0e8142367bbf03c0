import type { Store } from './open-store.js';

export type SendTransport = 'api' | 'smtp';

export interface NewSendAttempt {
  replyId: number;
  transport: SendTransport;
  ok: boolean;
  /** sent, partial, failed, ambiguous, or retry (a 429/5xx answer that was retried). */
  outcome: string;
  httpStatus: number | null;
  errorClass: string | null;
  /** Already free of secrets: built from URLs, status codes and server replies, never from headers. */
  error: string | null;
  emailId: string | null;
  ms: number;
  startedAt: Date;
}

export interface SendAttemptRow {
  id: number;
  reply_id: number;
  attempt_no: number;
  transport: string;
  ok: number;
  outcome: string;
  http_status: number | null;
  error_class: string | null;
  error: string | null;
  email_id: string | null;
  ms: number;
  started_at: string;
}

/** Appends one attempt; `attempt_no` counts up per reply across every send of it. */
export function recordSendAttempt(db: Store, attempt: NewSendAttempt): SendAttemptRow {
  return db
    .prepare(
      `INSERT INTO send_attempts (reply_id, attempt_no, transport, ok, outcome, http_status, error_class, error, email_id, ms, started_at)
       VALUES (@reply_id, (SELECT COALESCE(MAX(attempt_no), 0) + 1 FROM send_attempts WHERE reply_id = @reply_id),
               @transport, @ok, @outcome, @http_status, @error_class, @error, @email_id, @ms, @started_at)
       RETURNING *`,
    )
    .get({
      reply_id: attempt.replyId,
      transport: attempt.transport,
      ok: attempt.ok ? 1 : 0,
      outcome: attempt.outcome,
      http_status: attempt.httpStatus,
      error_class: attempt.errorClass,
      error: attempt.error,
      email_id: attempt.emailId,
      ms: Math.max(0, Math.round(attempt.ms)),
      started_at: attempt.startedAt.toISOString(),
    }) as SendAttemptRow;
}

export function listSendAttempts(db: Store, replyId: number): SendAttemptRow[] {
  return db
    .prepare('SELECT * FROM send_attempts WHERE reply_id = ? ORDER BY attempt_no')
    .all(replyId) as SendAttemptRow[];
}
