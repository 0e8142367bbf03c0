import type { AttemptSummary, SendTestResult } from '../../../operations/send-test-recorder.js';
import { escapeControlsDeep, type Output } from '../../output.js';
import { wrap } from '../../text-width.js';

/** One attempt: transport, outcome, status, class and time; the error, when there is one, wrapped under it. */
function formatAttemptLines(attempt: AttemptSummary, output: Output): string[] {
  const paint = output.color;
  const result = attempt.ok
    ? paint.green(attempt.outcome)
    : attempt.outcome === 'retry'
      ? paint.yellow('retry')
      : paint.red(attempt.outcome);
  const status = attempt.status === null ? '' : ` HTTP ${attempt.status}`;
  const errorClass = attempt.error_class === null ? '' : ` ${attempt.error_class}`;
  const head = `${attempt.transport.padEnd(4)} ${result}${status}${errorClass} ${attempt.ms} ms`;
  if (attempt.error === null) return [head];
  return [head, ...wrap(attempt.error, output.width - 5).map((line) => `     ${paint.dim(line)}`)];
}

/** Human output: the attempts, then what was delivered where and the ids to follow it by, at the terminal's width. */
export function renderSendTest(output: Output, unsafe: SendTestResult): void {
  // Errors quote SMTP2Go's and the relay's answers.
  const result = escapeControlsDeep(unsafe);
  for (const attempt of result.attempts)
    for (const line of formatAttemptLines(attempt, output)) output.line(line);
  const say = (text: string) => wrap(text, output.width, '  ').forEach((line) => output.line(line));
  if (result.delivered_to.length > 0)
    say(`delivered to ${result.delivered_to.join(', ')} via ${result.transport ?? 'smtp'}`);
  if (result.fallback_reason !== null) say(`fallback: ${result.fallback_reason}`);
  const ids: Array<[string, string]> = [
    ['reply id', String(result.reply_id)],
    ['tracking id', result.tracking_id],
    ['SMTP2Go email id', result.smtp2go_email_id ?? '-'],
    ['message id', result.message_id],
  ];
  // An id is never split: one too long for its column goes on the next line.
  for (const [label, value] of ids) {
    if (18 + value.length <= output.width) output.line(`${label.padEnd(18)}${value}`);
    else output.line(`${label}\n  ${value}`);
  }
  say(`tracked by ${result.tracker === 'first_party' ? 'the portal (first party)' : result.tracker}`);
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
