import Table from 'cli-table3';
import type { ReplyStats } from '../operations/stats.js';
import type { Output } from './output.js';
import { createTimeFormatter, NONE } from './render-stats-time.js';

function table(output: Output, head: string[]): Table.Table {
  return new Table({ head, style: { head: output.color.level > 0 ? ['cyan'] : [], border: [] } });
}

/** `stats --reply` for people: summary, recipients, clicks, then the timeline oldest first. */
export function renderReplyStats(output: Output, stats: ReplyStats, timeZone: string): void {
  const d = stats.document;
  const time = createTimeFormatter(timeZone);
  const sent = d.sent_at;
  const title = `Reply ${d.reply_id}${d.ticket_id === null ? '' : ` (ticket ${d.ticket_id})`}${stats.subject === null ? '' : `: ${stats.subject}`}`;
  output.line(output.color.bold(title));
  output.line(`Times in ${time.timeZone}.`);

  const summary = table(output, ['', '']);
  const bounce = d.bounced_at === null ? NONE : `${time.since(d.bounced_at, sent)}${[d.bounce_type, d.bounce_reason].some((v) => v !== null) ? ` — ${[d.bounce_type, d.bounce_reason].filter((v) => v !== null).join(': ')}` : ''}`;
  summary.push(
    ['status', statusColor(output, d.status, stats.statusText)],
    ['transport', d.transport + (stats.send.fallbackReason === null ? '' : ` (relay because: ${stats.send.fallbackReason})`)],
    ['SMTP2Go email id', d.smtp2go_email_id ?? NONE],
    ['tracking id', d.tracking_id ?? NONE],
    ['sent', time.at(sent)],
    ['processed', time.since(d.processed_at, sent)],
    ['delivered', time.since(d.delivered_at, sent)],
    ['first opened', time.since(d.opened_at, sent)],
    ['opens', String(d.open_count)],
    ['first clicked', time.since(d.clicked_at, sent)],
    ['clicks', String(d.click_count)],
    ['bounced', bounce],
    ['spam', time.since(d.spam_at, sent)],
    ['rejected', time.since(d.rejected_at, sent)],
    ['unsubscribed', time.since(d.unsubscribed_at, sent)],
  );
  if (stats.send.lastError !== null) summary.push(['send error', stats.send.lastError]);
  output.line(summary.toString());

  if (d.recipients.length > 0) {
    output.line('Recipients');
    const recipients = table(output, ['recipient', 'role', 'status', 'delivered', 'opened', 'opens', 'clicks', 'last event']);
    for (const r of d.recipients) {
      recipients.push([r.email, r.role, statusColor(output, r.status, r.status), time.at(r.delivered_at), time.at(r.opened_at), String(r.open_count), String(r.click_count), r.last_event_type === null ? NONE : `${r.last_event_type} ${time.at(r.last_event_at)}`]);
    }
    output.line(recipients.toString());
  }

  if (d.clicks.length > 0) {
    output.line('Clicks');
    const clicks = table(output, ['url', 'time', 'recipient']);
    for (const c of d.clicks) clicks.push([c.url ?? NONE, time.since(c.clicked_at, sent), c.recipient ?? NONE]);
    output.line(clicks.toString());
  }

  if (d.events.length === 0) {
    output.line(d.transport === 'pending' ? 'No events yet: the reply has not been sent.' : 'No events from SMTP2Go yet.');
    return;
  }
  output.line('Timeline (oldest first)');
  const timeline = table(output, ['time', 'type', 'recipient', 'detail']);
  for (const e of d.events) timeline.push([time.since(e.at, sent), e.type, e.recipient ?? NONE, e.url ?? e.detail ?? '']);
  output.line(timeline.toString());
}

const BAD = new Set(['bounced', 'spam', 'rejected', 'unsubscribed', 'failed']);
const GOOD = new Set(['clicked', 'opened', 'delivered']);

function statusColor(output: Output, status: string, text: string): string {
  if (BAD.has(status)) return output.color.red(text);
  if (GOOD.has(status)) return output.color.green(text);
  return output.color.yellow(text);
}
