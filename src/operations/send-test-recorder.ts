import { PortalError } from '../core/errors.js';
import type { Store } from '../store/open-store.js';
import { setRecipientStatuses, type RecipientSendStatus } from '../store/reply-sends.js';
import { recordSendAttempt, type SendTransport } from '../store/send-attempts.js';

export interface AttemptSummary {
  transport: SendTransport;
  ok: boolean;
  outcome: string;
  status: number | null;
  error: string | null;
  error_class: string | null;
  ms: number;
}

export type SendTestProgress =
  | { type: 'sending'; transport: SendTransport; recipients: number }
  | { type: 'attempt'; attempt: AttemptSummary }
  | { type: 'warning'; message: string };

export interface SendTestResult {
  reply_id: number;
  tracking_id: string;
  message_id: string;
  /** Who delivered: `api` when SMTP2Go's API accepted anyone, else `smtp` if the relay did, else null. */
  transport: 'api' | 'smtp' | null;
  outcome: 'sent' | 'partial' | 'ambiguous' | 'failed';
  smtp2go_email_id: string | null;
  /** Who records this reply's opens and clicks (core/first-party-tracking.ts). */
  tracker: 'smtp2go' | 'first_party' | 'none';
  fallback_reason: string | null;
  attempts: AttemptSummary[];
  delivered_to: string[];
  failed_recipients: string[];
  ambiguous_recipients: string[];
  last_error: string | null;
}

/** A send that did not reach everyone: exit 1, carrying the full result for `--json`. */
export class SendFailedError extends PortalError {
  readonly result: SendTestResult;

  constructor(message: string, result: SendTestResult, hint?: string) {
    super('send_failed', message, hint === undefined ? {} : { hint });
    this.name = 'SendFailedError';
    this.result = result;
  }
}

/** Replaces every secret by `***`: a last line of defence for messages built from peer replies. */
function redactSecrets(text: string, secrets: Array<string | null>): string {
  let result = text;
  for (const secret of secrets)
    if (secret !== null && secret.length >= 4) result = result.split(secret).join('***');
  return result;
}

export interface SendRecorder {
  readonly attempts: AttemptSummary[];
  readonly statuses: Map<
    string,
    { status: RecipientSendStatus; error: string | null; via: SendTransport | null }
  >;
  attempt(
    transport: SendTransport,
    attempt: Omit<AttemptSummary, 'transport'> & { emailId?: string | null },
  ): void;
  mark(emails: string[], status: RecipientSendStatus, error: string | null, via: SendTransport | null): void;
  redact(text: string): string;
}

/** Writes each attempt and recipient status as it happens, so a crash mid-send still leaves a trail. */
export function createSendRecorder(
  db: Store,
  replyId: number,
  deps: { now: () => Date; secrets: Array<string | null>; onProgress?: (event: SendTestProgress) => void },
): SendRecorder {
  const attempts: AttemptSummary[] = [];
  const statuses: SendRecorder['statuses'] = new Map();
  const redact = (text: string) => redactSecrets(text, deps.secrets);
  return {
    attempts,
    statuses,
    redact,
    attempt(transport, attempt) {
      const summary: AttemptSummary = {
        transport,
        ok: attempt.ok,
        outcome: attempt.outcome,
        status: attempt.status,
        error: attempt.error === null ? null : redact(attempt.error),
        error_class: attempt.error_class,
        ms: attempt.ms,
      };
      const now = deps.now();
      recordSendAttempt(db, {
        replyId,
        transport,
        ok: summary.ok,
        outcome: summary.outcome,
        httpStatus: summary.status,
        errorClass: summary.error_class,
        error: summary.error,
        emailId: attempt.emailId ?? null,
        ms: summary.ms,
        startedAt: new Date(now.getTime() - summary.ms),
      });
      attempts.push(summary);
      deps.onProgress?.({ type: 'attempt', attempt: summary });
    },
    mark(emails, status, error, via) {
      const safe = error === null ? null : redact(error);
      for (const email of emails) statuses.set(email.toLowerCase(), { status, error: safe, via });
      setRecipientStatuses(
        db,
        replyId,
        emails.map((email) => ({ email, status, error: safe })),
        status === 'sent' ? deps.now() : null,
      );
    },
  };
}
