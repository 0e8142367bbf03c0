import type { ReplyStats } from '../../../operations/stats.js';
import { escapeControlsDeep, type Output } from '../../output.js';
import { truncate, truncateMiddle, wrap } from '../../text-width.js';
import {
  createTimeFormatter,
  formatDuration,
  NONE,
  renderStacked,
  renderTable,
  tableWidth,
  type OperatorZone,
} from './render-format.js';
import { renderTimeAxis } from './render-timeline.js';

/**
 * `stats --reply` for people, at the terminal's width: summary, recipients, clicks, then the timeline
 * oldest first, drawn on a time axis. Tables too wide for the terminal are stacked, a row per block.
 */
export function renderReplyStats(output: Output, unsafe: ReplyStats, zone: OperatorZone | string): void {
  // Subjects, bounce messages, URLs and recipients come from the portal and from remote mail servers.
  const stats = escapeControlsDeep(unsafe);
  const d = stats.document;
  const width = output.width;
  const time = createTimeFormatter(zone);
  const sent = d.sent_at;
  const head = (text: string) => output.color.bold(text);
  const dim = (text: string) => output.color.dim(text);
  const after = (iso: string | null) => relative(iso, sent ?? d.events[0]?.at ?? null);
  const tableOrStack = (rows: string[][], columns: string[]) =>
    output.line(
      tableWidth(rows, columns) <= width
        ? renderTable(rows, { head: columns, paintHead: dim })
        : renderStacked(rows, columns, width, head),
    );

  output.line(
    head(
      truncate(
        `Reply ${d.reply_id}${d.ticket_id === null ? '' : ` (ticket ${d.ticket_id})`}${stats.subject === null ? '' : `: ${stats.subject}`}`,
        width,
      ),
    ),
  );
  output.line(`Times in ${time.timeZone}.`);
  const bounceWhy = [d.bounce_type, d.bounce_reason].filter((v) => v !== null).join(': ');
  const rows: Array<[string, string, ((text: string) => string)?]> = [
    // The status word, then how the recipients differ when they do ("bounced: delivered to 2 of 3, bounced 1").
    [
      'status',
      stats.statusMixed ? `${d.status}: ${stats.statusText}` : stats.statusText,
      (text) => statusColor(output, d.status, text),
    ],
    [
      'transport',
      d.transport +
        (stats.send.fallbackReason === null ? '' : ` (relay because: ${stats.send.fallbackReason})`),
    ],
    [
      'send',
      SEND_OUTCOME[d.send_outcome] ?? d.send_outcome,
      (text) => statusColor(output, d.send_outcome === 'sent' ? 'delivered' : d.send_outcome, text),
    ],
    ['tracked by', d.tracker === 'first_party' ? 'the portal (first party)' : d.tracker],
    ['SMTP2Go email id', d.smtp2go_email_id ?? NONE],
    ['tracking id', d.tracking_id ?? NONE],
    ['sent', time.at(sent)],
    ['processed', time.since(d.processed_at, sent)],
    ['delivered', time.since(d.delivered_at, sent)],
    ['first opened', time.since(d.opened_at, sent)],
    [
      'opens',
      String(d.open_count) + (d.machine_open_count > 0 ? ` (+${d.machine_open_count} by machines)` : ''),
    ],
    ['first clicked', time.since(d.clicked_at, sent)],
    [
      'clicks',
      String(d.click_count) + (d.machine_click_count > 0 ? ` (+${d.machine_click_count} by machines)` : ''),
    ],
    [
      'bounced',
      d.bounced_at === null
        ? NONE
        : `${time.since(d.bounced_at, sent)}${bounceWhy === '' ? '' : ` — ${bounceWhy}`}`,
    ],
    ['spam', time.since(d.spam_at, sent)],
    ['rejected', time.since(d.rejected_at, sent)],
    ['unsubscribed', time.since(d.unsubscribed_at, sent)],
  ];
  if (stats.send.lastError !== null) rows.push(['send error', stats.send.lastError]);
  // Long values (a bounce's text, a send error) wrap inside their column rather than past the terminal's edge.
  const room = width - 2 - Math.max(...rows.map(([label]) => label.length)) - 2;
  output.line(
    renderTable(
      rows.flatMap(([label, value, paint]) =>
        wrap(value, room).map((line, i) => [i === 0 ? label : '', paint === undefined ? line : paint(line)]),
      ),
    ),
  );

  if (d.recipients.length > 0) {
    output.line('');
    output.line(`${head('Recipients')} ${dim('(times after sending)')}`);
    tableOrStack(
      d.recipients.map((r) => [
        r.email,
        r.role,
        statusColor(output, r.status, r.status),
        after(r.delivered_at),
        after(r.opened_at),
        String(r.open_count),
        String(r.click_count),
        r.bounced_at === null ? NONE : `${r.bounce_type ?? 'bounce'} ${after(r.bounced_at)}`,
        r.last_event_type === null ? NONE : `${r.last_event_type} ${after(r.last_event_at)}`,
      ]),
      [
        'recipient',
        'role',
        'status',
        'delivered',
        'first opened',
        'opens',
        'clicks',
        'bounced',
        'last event',
      ],
    );
  }

  if (d.clicks.length > 0) {
    output.line('');
    output.line(`${head('Clicks')} ${dim('(times after sending)')}`);
    tableOrStack(
      d.clicks.map((c) => [c.url ?? NONE, after(c.clicked_at), c.recipient ?? NONE]),
      ['url', 'after', 'recipient'],
    );
  }

  output.line('');
  if (d.events.length === 0) {
    if (d.has_tracking)
      output.line(
        'No events kept: they were older than the retention window (prune); the summary above still counts them.',
      );
    else
      output.line(
        d.transport === 'pending'
          ? 'No events yet: the reply has not been sent.'
          : 'No events from SMTP2Go yet.',
      );
    return;
  }
  renderTimeline(output, stats, (iso) => time.at(iso), after);
}

// What the send path concluded, in words; an ambiguous send is the one an operator must go and check.
const SEND_OUTCOME: Record<string, string> = {
  sent: 'sent',
  partial: 'partial: some recipients could not be sent to',
  ambiguous: 'ambiguous: SMTP2Go may or may not have accepted it; check its activity for the tracking id',
  failed: 'failed',
  pending: 'pending: nothing sent (yet)',
};

function renderTimeline(
  output: Output,
  stats: ReplyStats,
  at: (iso: string | null) => string,
  after: (iso: string | null) => string,
): void {
  const d = stats.document;
  const width = output.width;
  const origin = d.sent_at ?? (d.events[0]?.at as string);
  output.line(
    `${output.color.bold('Timeline')} ${output.color.dim(`(oldest first; after ${d.sent_at === null ? 'the first event' : 'sending'} at ${at(origin)})`)}`,
  );
  const axis = renderTimeAxis(d.events, origin, width, {
    unicode: output.unicode,
    paint: (letter, type) => statusColor(output, PAINT_AS[type] ?? '', letter),
  });
  if (axis !== null) {
    output.line(axis.axis);
    if (axis.labels !== '') output.line(output.color.dim(axis.labels));
    for (const line of wrap(axis.legend, width - 2, '')) output.line(`  ${output.color.dim(line)}`);
  }
  // The day is written only when it is not the day of sending: "11:00:05", or "11-25 09:00" the next day.
  const day = at(origin).slice(0, 10);
  const clock = (iso: string) => {
    const local = at(iso);
    return local.slice(0, 10) === day ? local.slice(11, 19) : `${local.slice(5, 10)} ${local.slice(11, 16)}`;
  };
  const cells = d.events.map((e) => [clock(e.at), after(e.at), e.type]);
  const recipientRoom = width - tableWidth(cells, ['time', 'after', 'type']) - 2;
  const rows = d.events.map((e, i) => [
    ...(cells[i] as string[]),
    truncateMiddle(e.recipient ?? NONE, Math.max(12, recipientRoom)),
  ]);
  const details = d.events.map((e, i) =>
    [e.url, stats.eventBounceTypes[i] ?? null, e.detail]
      .filter((part) => part !== null && part !== '')
      .join(' — '),
  );
  const inline =
    tableWidth(
      rows.map((row, i) => [...row, details[i] as string]),
      ['time', 'after', 'type', 'recipient', 'detail'],
    ) <= width;
  if (inline) {
    output.line(
      renderTable(
        rows.map((row, i) => [...row, details[i] as string]),
        { head: ['time', 'after', 'type', 'recipient', 'detail'], paintHead: output.color.dim },
      ),
    );
    return;
  }
  // Too wide for one line each: the detail goes under its event.
  const table = renderTable(rows, {
    head: ['time', 'after', 'type', 'recipient'],
    paintHead: output.color.dim,
  }).split('\n');
  output.line(table[0] ?? '');
  rows.forEach((_, i) => {
    output.line(table[i + 1] ?? '');
    if (details[i] !== '')
      for (const line of wrap(details[i] as string, width - 4, ''))
        output.line(`    ${output.color.dim(line)}`);
  });
}

/** "5 s", "2 h 5 min", "at sending", "3 s before"; "—" when unknown. */
function relative(iso: string | null, origin: string | null): string {
  if (iso === null) return NONE;
  if (origin === null) return '?';
  const ms = Date.parse(iso) - Date.parse(origin);
  if (Number.isNaN(ms)) return '?';
  if (Math.abs(ms) < 1000) return 'at sending';
  return ms > 0 ? formatDuration(ms) : `${formatDuration(-ms)} before`;
}

const PAINT_AS: Record<string, string> = {
  bounce: 'bounced',
  spam: 'spam',
  reject: 'rejected',
  unsubscribe: 'unsubscribed',
  delivered: 'delivered',
  open: 'opened',
  click: 'clicked',
};
const BAD = new Set(['bounced', 'spam', 'rejected', 'unsubscribed', 'failed']);
const GOOD = new Set(['clicked', 'opened', 'delivered']);

export function statusColor(output: Output, status: string, text: string): string {
  if (BAD.has(status)) return output.color.red(text);
  if (GOOD.has(status)) return output.color.green(text);
  return output.color.yellow(text);
}
