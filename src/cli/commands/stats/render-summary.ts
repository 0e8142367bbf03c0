import type { Latency, Rate, StatsFigures, StatsSummary } from '../../../operations/stats-summary.js';
import { escapeControlsDeep, type Output } from '../../output.js';
import {
  createTimeFormatter,
  formatDuration,
  renderTable,
  type OperatorZone,
  tableWidth,
} from './render-format.js';
import { truncate, wrap } from '../../text-width.js';

/** "96.9% of 196 delivered"; "n/a (none delivered)" when there is nothing to divide by. */
function formatRate(rate: Rate, of: string): string {
  if (rate.rate === null) return `n/a (${/^(replies|recipients)$/.test(of) ? 'no' : 'none'} ${of})`;
  return `${(rate.rate * 100).toFixed(1)}% of ${rate.of} ${of}`;
}

function formatLatency(latency: Latency): string {
  if (latency.p50_ms === null || latency.p95_ms === null) return 'n/a (none yet)';
  return `p50 ${formatDuration(latency.p50_ms)}, p95 ${formatDuration(latency.p95_ms)} (of ${latency.count} recipients)`;
}

export function renderStatsSummary(
  output: Output,
  unsafe: StatsSummary,
  zone: OperatorZone | string = unsafe.time_zone,
): void {
  // Group keys are recipient domains and unlinked event types: whatever was stored.
  const summary = escapeControlsDeep(unsafe);
  const time = createTimeFormatter(zone);
  const from = summary.since === null ? 'the first reply' : time.at(summary.since);
  const to = summary.until === null ? 'now' : time.at(summary.until);
  const dim = (text: string) => output.color.dim(text);
  for (const line of wrap(`Replies sent from ${from} to ${to}`, output.width, '  '))
    output.line(output.color.bold(line));
  output.line(`Times in ${summary.time_zone}.`);
  output.line(renderTable(figureRows(summary.total), { right: new Set([1]) }));
  if (summary.groups.length > 0) {
    output.line('');
    output.line(output.color.bold(`By ${summary.by}`));
    const table = fitGroupTable(output, summary);
    output.line(renderTable(table.rows, { head: table.head, paintHead: dim, right: table.right }));
    const notes = [
      'Shares of recipients: delivered, bounced of those sent; opened, clicked of those delivered.',
    ];
    if (table.dropped.length > 0)
      notes.push(
        `Not shown at ${output.width} columns: ${table.dropped.join(', ')} (a wider terminal or --json has them).`,
      );
    for (const note of notes) for (const line of wrap(note, output.width)) output.line(dim(line));
  }
  output.line('');
  const unlinked = summary.unlinked;
  const types = Object.entries(unlinked.by_type)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  const text = `Unlinked events (no reply matched yet, not counted above): ${unlinked.total}${unlinked.total > 0 ? ` (${types})` : ''}`;
  for (const line of wrap(text, output.width, '  ')) output.line(line);
  const p = summary.plausible;
  if (p.forwarded + p.dropped + p.failed > 0) {
    for (const line of wrap(
      `Plausible (all time): ${p.forwarded} forwarded, ${p.dropped} dropped by Plausible as bots, ${p.failed} failed`,
      output.width,
      '  ',
    ))
      output.line(line);
  }
  if (summary.total.replies === 0) output.line('No reply was sent in this window.');
}

/** Each label says what it counts, replies or recipients; each share says what it is a share of. */
function figureRows(f: StatsFigures): string[][] {
  const rows = [
    ['replies', String(f.replies), ''],
    [
      'replies sent',
      String(f.replies_sent),
      formatRate(
        { count: f.replies_sent, of: f.replies, rate: f.replies === 0 ? null : f.replies_sent / f.replies },
        'replies',
      ),
    ],
  ];
  // Only a reply the API was tried for can fall back to the relay: with the relay alone there is nothing to say.
  if (f.replies_api_tried > 0)
    rows.push([
      'replies relayed (API failed)',
      String(f.replies_relayed),
      formatRate(f.rates.fallback_to_relay, 'that tried the API'),
    ]);
  rows.push(
    ['recipients', String(f.recipients), ''],
    ['recipients sent', String(f.sent), ''],
    ['recipients delivered', String(f.delivered), formatRate(f.rates.delivered, 'sent')],
    ['recipients opened', String(f.opened), formatRate(f.rates.opened, 'delivered')],
    ['recipients clicked', String(f.clicked), formatRate(f.rates.clicked, 'delivered')],
    ['recipients bounced', String(f.bounced), formatRate(f.rates.bounced, 'sent')],
  );
  if (f.bounced > 0)
    rows.push([
      '  hard / soft / unknown',
      '',
      `${f.bounced_hard} / ${f.bounced_soft} / ${f.bounced_unknown}`,
    ]);
  rows.push(
    ['recipients marked spam', String(f.spam), formatRate(f.rates.spam, 'delivered')],
    ['recipients rejected', String(f.rejected), formatRate(f.rates.rejected, 'sent')],
    ['recipients unsubscribed', String(f.unsubscribed), formatRate(f.rates.unsubscribed, 'delivered')],
    ['recipients failed', String(f.failed), formatRate(f.rates.failed, 'recipients')],
    ['send → delivered', '', formatLatency(f.send_to_delivered)],
    ['send → first open', '', formatLatency(f.send_to_first_open)],
  );
  return rows;
}

type Group = StatsSummary['groups'][number];

interface GroupColumn {
  head: string;
  cell: (group: Group) => string;
  /** Columns are dropped lowest first until the table fits. */
  keep: number;
}

const percent = (rate: Rate) => (rate.rate === null ? '—' : `${(rate.rate * 100).toFixed(1)}%`);
const latencyP50 = (latency: Latency) => (latency.p50_ms === null ? '—' : formatDuration(latency.p50_ms));

const GROUP_COLUMNS: GroupColumn[] = [
  { head: 'replies', cell: (g) => String(g.replies), keep: 99 },
  { head: 'rcpts sent', cell: (g) => String(g.sent), keep: 98 },
  { head: 'delivered', cell: (g) => percent(g.rates.delivered), keep: 90 },
  { head: 'opened', cell: (g) => percent(g.rates.opened), keep: 80 },
  { head: 'bounced', cell: (g) => percent(g.rates.bounced), keep: 85 },
  { head: 'failed', cell: (g) => String(g.failed), keep: 70 },
  { head: 'clicked', cell: (g) => percent(g.rates.clicked), keep: 60 },
  {
    head: 'hard/soft/unknown',
    cell: (g) => `${g.bounced_hard}/${g.bounced_soft}/${g.bounced_unknown}`,
    keep: 40,
  },
  { head: 'spam', cell: (g) => String(g.spam), keep: 35 },
  { head: 'rejected', cell: (g) => String(g.rejected), keep: 34 },
  { head: 'unsub.', cell: (g) => String(g.unsubscribed), keep: 33 },
  { head: 'relayed', cell: (g) => String(g.replies_relayed), keep: 30 },
  { head: 'p50 delivery', cell: (g) => latencyP50(g.send_to_delivered), keep: 20 },
  { head: 'p50 open', cell: (g) => latencyP50(g.send_to_first_open), keep: 10 },
];

/** Below this a bar says nothing; beyond the upper bound it only stretches. */
const BAR_MIN = 10;
const BAR_MAX = 30;

/**
 * The --by table at the terminal's width: the columns that matter most, dropped from the least until it
 * fits (the caller names the dropped ones), and for --by day a bar of each day's replies in what is left.
 */
function fitGroupTable(
  output: Output,
  summary: StatsSummary,
): { head: string[]; rows: string[][]; right: Set<number>; dropped: string[] } {
  const width = output.width;
  const keyWidth = Math.max(12, Math.min(32, Math.floor(width / 3)));
  const keys = summary.groups.map((g) => truncate(g.key === '' ? '(none)' : g.key, keyWidth));
  const withBar = summary.by === 'day';
  const room = width - (withBar ? BAR_MIN + 2 : 0);
  const columns = [...GROUP_COLUMNS];
  const build = (list: GroupColumn[]) =>
    summary.groups.map((g, i) => [keys[i] as string, ...list.map((column) => column.cell(g))]);
  while (
    columns.length > 2 &&
    tableWidth(build(columns), [summary.by, ...columns.map((c) => c.head)]) > room
  ) {
    const lowest = columns.reduce((low, column) => (column.keep < low.keep ? column : low));
    columns.splice(columns.indexOf(lowest), 1);
  }
  const head = [summary.by, ...columns.map((c) => c.head)];
  const rows = build(columns);
  const right = new Set(columns.map((_, i) => i + 1));
  const dropped = GROUP_COLUMNS.filter((column) => !columns.includes(column)).map((column) => column.head);
  if (!withBar) return { head, rows, right, dropped };
  const barWidth = Math.min(BAR_MAX, width - tableWidth(rows, head) - 2);
  const most = Math.max(...summary.groups.map((g) => g.replies));
  return {
    head: [...head, ''],
    rows: rows.map((row, i) => [
      ...row,
      bar((summary.groups[i] as Group).replies, most, barWidth, output.unicode),
    ]),
    right,
    dropped,
  };
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `value` out of `most` in `width` columns: block characters in eighths, or `#` in plain text. */
function bar(value: number, most: number, width: number, unicode: boolean): string {
  if (most <= 0 || value <= 0) return '';
  const eighths = Math.max(1, Math.round((value / most) * width * 8));
  if (!unicode) return '#'.repeat(Math.max(1, Math.round(eighths / 8)));
  return '█'.repeat(Math.floor(eighths / 8)) + (EIGHTHS[eighths % 8] ?? '');
}
