import type { Latency, Rate, StatsFigures, StatsSummary } from '../../../operations/stats-summary.js';
import { escapeControlsDeep, type Output } from '../../output.js';
import { createTimeFormatter, formatDuration, renderTable, type OperatorZone } from './render-format.js';

/** "96.9% (190 of 196)"; "n/a (0 of 0)" when there is nothing to divide by. */
export function formatRate(rate: Rate): string {
  const share = rate.rate === null ? 'n/a' : `${(rate.rate * 100).toFixed(1)}%`;
  return `${share} (${rate.count} of ${rate.of})`;
}

export function formatLatency(latency: Latency): string {
  if (latency.p50_ms === null || latency.p95_ms === null) return 'n/a (none yet)';
  return `p50 ${formatDuration(latency.p50_ms)}, p95 ${formatDuration(latency.p95_ms)} (of ${latency.count})`;
}

export function renderStatsSummary(output: Output, unsafe: StatsSummary, zone: OperatorZone | string = unsafe.time_zone): void {
  // Group keys are recipient domains and unlinked event types: whatever was stored.
  const summary = escapeControlsDeep(unsafe);
  const time = createTimeFormatter(zone);
  const from = summary.since === null ? 'the first reply' : time.at(summary.since);
  const to = summary.until === null ? 'now' : time.at(summary.until);
  output.line(output.color.bold(`Replies sent from ${from} to ${to}`) + ` (times in ${summary.time_zone}; figures count recipients)`);
  output.line(renderTable(figureRows(summary.total), { head: ['', 'count', 'rate'], paintHead: (text) => output.color.dim(text) }));
  if (summary.groups.length > 0) {
    output.line('');
    output.line(output.color.bold(`By ${summary.by}`));
    output.line(renderTable(groupRows(summary), { head: GROUP_HEAD(summary.by), paintHead: (text) => output.color.dim(text) }));
  }
  output.line('');
  const unlinked = summary.unlinked;
  const types = Object.entries(unlinked.by_type).map(([type, n]) => `${type} ${n}`).join(', ');
  output.line(`Unlinked events (no reply matched yet, not counted above): ${unlinked.total}${unlinked.total > 0 ? ` (${types})` : ''}`);
  const p = summary.plausible;
  if (p.forwarded + p.dropped + p.failed > 0) output.line(`Plausible (all time): ${p.forwarded} forwarded, ${p.dropped} dropped by Plausible as bots, ${p.failed} failed`);
  if (summary.total.replies === 0) output.line('No reply was sent in this window.');
}

function figureRows(f: StatsFigures): string[][] {
  return [
    ['replies', String(f.replies), `${f.replies_sent} sent`],
    ['recipients', String(f.recipients), ''],
    ['sent', String(f.sent), ''],
    ['delivered', String(f.delivered), `${formatRate(f.rates.delivered)} of sent`],
    ['opened', String(f.opened), `${formatRate(f.rates.opened)} of delivered`],
    ['clicked', String(f.clicked), `${formatRate(f.rates.clicked)} of delivered`],
    ['bounced', `${f.bounced} (hard ${f.bounced_hard}, soft ${f.bounced_soft}, unknown ${f.bounced_unknown})`, `${formatRate(f.rates.bounced)} of sent`],
    ['spam', String(f.spam), `${formatRate(f.rates.spam)} of delivered`],
    ['rejected', String(f.rejected), `${formatRate(f.rates.rejected)} of sent`],
    ['unsubscribed', String(f.unsubscribed), `${formatRate(f.rates.unsubscribed)} of delivered`],
    ['failed', String(f.failed), `${formatRate(f.rates.failed)} of recipients`],
    ['fallback to relay', `${f.replies_relayed} replies`, `${formatRate(f.rates.fallback_to_relay)} of sent replies`],
    ['send → delivered', formatLatency(f.send_to_delivered), ''],
    ['send → first open', formatLatency(f.send_to_first_open), ''],
  ];
}

const GROUP_HEAD = (by: StatsSummary['by']) => [
  by, 'replies', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'hard/soft/unknown', 'spam', 'rejected', 'unsub.', 'failed',
  'relay', 'send → delivered', 'send → open',
];

function groupRows(summary: StatsSummary): string[][] {
  return summary.groups.map((g) => [
    g.key === '' ? '(none)' : g.key, String(g.replies), String(g.sent), formatRate(g.rates.delivered), formatRate(g.rates.opened),
    formatRate(g.rates.clicked), formatRate(g.rates.bounced), `${g.bounced_hard}/${g.bounced_soft}/${g.bounced_unknown}`, String(g.spam), String(g.rejected),
    String(g.unsubscribed), String(g.failed), formatRate(g.rates.fallback_to_relay), formatLatency(g.send_to_delivered),
    formatLatency(g.send_to_first_open),
  ]);
}
