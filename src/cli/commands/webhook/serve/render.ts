import type { RequestRecord } from '../../../../webhook/server.js';
import { escapeControls as safe, type Output } from '../../../output.js';
import { wrap } from '../../../text-width.js';

/** NDJSON lines for one request: one per event it carried, or one with `event: null` when it was refused. */
export function serveEventRecords(record: RequestRecord): Array<Record<string, unknown>> {
  const base = { type: 'event', status: record.status, ms: record.ms };
  const error = record.status >= 400 ? record.error : null;
  if (record.events.length === 0)
    return [
      { ...base, event: null, reply_id: null, recipient: null, duplicate: false, conflict: false, error },
    ];
  return record.events.map((event) => ({
    ...base,
    event: event.type,
    reply_id: event.replyId,
    recipient: event.recipient,
    duplicate: event.duplicate,
    conflict: event.conflict,
    error,
  }));
}

/**
 * One coloured line per event (or refused request): time, status, type, reply, recipient, duration. The
 * path, method, reason, type and recipient are the sender's, so each is escaped (per field: this runs per request).
 */
export function renderServeEvent(output: Output, record: RequestRecord, at: Date): void {
  const c = output.color;
  const paint = record.status < 300 ? c.green : record.status < 500 ? c.yellow : c.red;
  const head = `${c.dim(at.toISOString().slice(11, 19))} ${paint(String(record.status))}`;
  const ms = c.dim(`${record.ms} ms`);
  if (record.events.length === 0) {
    output.line(
      `${head} ${safe(record.method)} ${safe(record.path)} ${c.dim('—')} ${safe(record.error ?? '')} ${ms}`,
    );
    return;
  }
  for (const event of record.events) {
    const reply = event.replyId === null ? c.dim('unlinked') : `reply ${event.replyId}`;
    const parts = [
      head,
      safe(event.type).padEnd(11),
      reply,
      event.recipient === null ? c.dim('(no recipient)') : safe(event.recipient),
    ];
    if (event.duplicate) parts.push(c.dim('duplicate'));
    // Short: a request line fits 80 columns; the README explains a conflict.
    if (event.conflict) parts.push(c.yellow('conflict, stored apart'));
    if (record.status >= 500)
      parts.push(c.red(record.status === 503 ? 'not stored, SMTP2Go will retry' : 'failed'));
    output.line(`${parts.join(' ')} ${ms}`);
  }
}

export function renderServeStart(
  output: Output,
  start: {
    url: string;
    healthUrl: string;
    insecure: boolean;
    generatedSecret: string | null;
    acceptsPreviousSecret: boolean;
    dashboardUrl?: string | null;
  },
): void {
  const say = (text: string, paint: (line: string) => string = (line) => line) =>
    wrap(text, output.width, '  ').forEach((line) => output.line(paint(line)));
  // The URL on a line of its own when the two would not fit: it is what an operator copies.
  if (`Listening on ${start.url}`.length <= output.width)
    output.line(`Listening on ${output.color.bold(start.url)}`);
  else output.line(`Listening on\n  ${output.color.bold(start.url)}`);
  say(`Health check: ${start.healthUrl}`);
  if (start.dashboardUrl != null) say(`Dashboard: ${start.dashboardUrl}`);
  if (start.generatedSecret !== null) {
    output.line('');
    say('No webhook secret was configured, so one was generated and stored (shown only this once):');
    output.line(`  ${output.color.bold(start.generatedSecret)}`);
    say(
      'SMTP2Go must send it as "Authorization: Bearer <secret>"; `webhook register` sets that up.',
      output.color.dim,
    );
    output.line('');
  }
  if (start.acceptsPreviousSecret)
    output.info('Also accepting the previous webhook secret (rotation in progress).');
  output.info('Press Ctrl+C to stop.');
}

export function insecureWarning(url: string): string {
  return `INSECURE MODE: every request to ${url} is accepted without authentication. Anyone who can reach it can write tracking events. Never run this exposed.`;
}
