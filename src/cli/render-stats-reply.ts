import type { ReplyStats } from '../operations/stats.js';
import type { Output } from './output.js';
import { createTimeFormatter, NONE, renderTable, type OperatorZone } from './render-stats-format.js';

/** `stats --reply` for people: summary, recipients, clicks, then the timeline oldest first. */
export function renderReplyStats(output: Output, stats: ReplyStats, zone: OperatorZone | string): void {
  const d = stats.document;
  const time = createTimeFormatter(zone);
  const sent = d.sent_at;
  const head = (text: string) => output.color.bold(text);
  const table = (rows: string[][], columns?: string[]) =>
    output.line(renderTable(rows, { ...(columns === undefined ? {} : { head: columns }), paintHead: (text) => output.color.dim(text) }));

  output.line(head(`Reply ${d.reply_id}${d.ticket_id === null ? '' : ` (ticket ${d.ticket_id})`}${stats.subject === null ? '' : `: ${stats.subject}`}`));
  output.line(`Times in ${time.timeZone}.`);
  const bounceWhy = [d.bounce_type, d.bounce_reason].filter((v) => v !== null).join(': ');
  const rows = [
    // The status word, then how the recipients differ when they do ("bounced: delivered to 2 of 3, bounced 1").
    ['status', statusColor(output, d.status, stats.statusMixed ? `${d.status}: ${stats.statusText}` : stats.statusText)],
    ['transport', d.transport + (stats.send.fallbackReason === null ? '' : ` (relay because: ${stats.send.fallbackReason})`)],
    ['send', statusColor(output, d.send_outcome === 'sent' ? 'delivered' : d.send_outcome, SEND_OUTCOME[d.send_outcome] ?? d.send_outcome)],
    ['SMTP2Go email id', d.smtp2go_email_id ?? NONE],
    ['tracking id', d.tracking_id ?? NONE],
    ['sent', time.at(sent)],
    ['processed', time.since(d.processed_at, sent)],
    ['delivered', time.since(d.delivered_at, sent)],
    ['first opened', time.since(d.opened_at, sent)],
    ['opens', String(d.open_count)],
    ['first clicked', time.since(d.clicked_at, sent)],
    ['clicks', String(d.click_count)],
    ['bounced', d.bounced_at === null ? NONE : `${time.since(d.bounced_at, sent)}${bounceWhy === '' ? '' : ` — ${bounceWhy}`}`],
    ['spam', time.since(d.spam_at, sent)],
    ['rejected', time.since(d.rejected_at, sent)],
    ['unsubscribed', time.since(d.unsubscribed_at, sent)],
  ];
  if (stats.send.lastError !== null) rows.push(['send error', stats.send.lastError]);
  table(rows);

  if (d.recipients.length > 0) {
    output.line('');
    output.line(head('Recipients'));
    table(
      d.recipients.map((r) => [
        r.email, r.role, statusColor(output, r.status, r.status), time.at(r.delivered_at), time.at(r.opened_at), String(r.open_count),
        String(r.click_count), r.bounced_at === null ? NONE : `${r.bounce_type ?? 'bounce'} ${time.at(r.bounced_at)}`,
        r.last_event_type === null ? NONE : `${r.last_event_type} ${time.at(r.last_event_at)}`,
      ]),
      ['recipient', 'role', 'status', 'delivered', 'first opened', 'opens', 'clicks', 'bounced', 'last event'],
    );
  }

  if (d.clicks.length > 0) {
    output.line('');
    output.line(head('Clicks'));
    table(d.clicks.map((c) => [c.url ?? NONE, time.since(c.clicked_at, sent), c.recipient ?? NONE]), ['url', 'time', 'recipient']);
  }

  output.line('');
  if (d.events.length === 0) {
    output.line(d.transport === 'pending' ? 'No events yet: the reply has not been sent.' : 'No events from SMTP2Go yet.');
    return;
  }
  output.line(head('Timeline (oldest first)'));
  table(
    d.events.map((e, i) => [time.since(e.at, sent), e.type, e.recipient ?? NONE, [e.url, stats.eventBounceTypes[i] ?? null, e.detail].filter((part) => part !== null && part !== '').join(' — ')]),
    ['time', 'type', 'recipient', 'detail'],
  );
}

// What the send path concluded, in words; an ambiguous send is the one an operator must go and check.
const SEND_OUTCOME: Record<string, string> = {
  sent: 'sent',
  partial: 'partial: some recipients could not be sent to',
  ambiguous: 'ambiguous: SMTP2Go may or may not have accepted it; check its activity for the tracking id',
  failed: 'failed',
  pending: 'pending: nothing sent (yet)',
};

const BAD = new Set(['bounced', 'spam', 'rejected', 'unsubscribed', 'failed']);
const GOOD = new Set(['clicked', 'opened', 'delivered']);

export function statusColor(output: Output, status: string, text: string): string {
  if (BAD.has(status)) return output.color.red(text);
  if (GOOD.has(status)) return output.color.green(text);
  return output.color.yellow(text);
}
