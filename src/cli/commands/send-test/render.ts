import type { AttemptSummary, SendTestResult } from '../../../operations/send-test-recorder.js';
import { escapeControlsDeep, type Output } from '../../output.js';

export function formatAttemptLine(attempt: AttemptSummary, output: Output): string {
  const paint = output.color;
  const result = attempt.ok ? paint.green(attempt.outcome) : attempt.outcome === 'retry' ? paint.yellow('retry') : paint.red(attempt.outcome);
  const status = attempt.status === null ? '' : ` HTTP ${attempt.status}`;
  const errorClass = attempt.error_class === null ? '' : ` ${attempt.error_class}`;
  const error = attempt.error === null ? '' : ` ${paint.dim(`(${attempt.error})`)}`;
  return `${attempt.transport.padEnd(4)} ${result}${status}${errorClass} ${attempt.ms} ms${error}`;
}

/** Human output: one line per attempt, then what was delivered where and the ids to follow it by. */
export function renderSendTest(output: Output, unsafe: SendTestResult): void {
  // Errors quote SMTP2Go's and the relay's answers.
  const result = escapeControlsDeep(unsafe);
  for (const attempt of result.attempts) output.line(formatAttemptLine(attempt, output));
  if (result.delivered_to.length > 0) {
    output.line(`delivered to ${result.delivered_to.join(', ')} via ${result.transport ?? 'smtp'}`);
  }
  if (result.fallback_reason !== null) output.line(`fallback: ${result.fallback_reason}`);
  output.line(`reply id ${result.reply_id}  tracking id ${result.tracking_id}  SMTP2Go email id ${result.smtp2go_email_id ?? '-'}`);
  output.line(`message id ${result.message_id}  tracked by ${result.tracker === 'first_party' ? 'the portal (first party)' : result.tracker}`);
}

/** The --json document (version added by output.data): stable keys, present even when null. */
export function sendTestDocument(result: SendTestResult): Record<string, unknown> {
  return {
    reply_id: result.reply_id,
    tracking_id: result.tracking_id,
    message_id: result.message_id,
    transport: result.transport,
    outcome: result.outcome,
    smtp2go_email_id: result.smtp2go_email_id,
    tracker: result.tracker,
    fallback_reason: result.fallback_reason,
    attempts: result.attempts,
    delivered_to: result.delivered_to,
    failed_recipients: result.failed_recipients,
    ambiguous_recipients: result.ambiguous_recipients,
    last_error: result.last_error,
  };
}
