import { UsageError } from '../core/errors.js';
import { offsetSpans } from '../core/time-zone.js';
import type { Store } from '../store/open-store.js';
import { readPlausibleForwards, type PlausibleForwardCounts } from '../store/plausible-forwards.js';
import {
  selectRecipientCounts,
  selectReplyCounts,
  selectReplyTimeRange,
  selectUnlinkedCounts,
  type CountsRow,
  type Grouping,
  type ReplyCountsRow,
  type RecipientCounts,
  type StatsGrouping,
  type WindowBounds,
} from '../store/stats-window-queries.js';

export interface StatsSummaryOptions {
  since: Date | null;
  until: Date | null;
  by: StatsGrouping;
  /** IANA zone the `day` grouping folds into (the operator's). */
  timeZone: string;
}

/** A share with its denominator: `rate` is null ("n/a") when there is nothing to divide by. */
export interface Rate {
  count: number;
  of: number;
  rate: number | null;
}

export interface Latency {
  /** How many recipients the percentiles are over. */
  count: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

export interface StatsFigures extends RecipientCounts {
  replies: number;
  /** Replies the portal sent (a demo reply, or one still being sent, is not). */
  replies_sent: number;
  /** Replies the API was tried for: the denominator of the fallback rate. */
  replies_api_tried: number;
  /** Replies the SMTP relay carried because the API could not. */
  replies_relayed: number;
  rates: {
    delivered: Rate;
    opened: Rate;
    clicked: Rate;
    bounced: Rate;
    spam: Rate;
    rejected: Rate;
    unsubscribed: Rate;
    failed: Rate;
    fallback_to_relay: Rate;
  };
  send_to_delivered: Latency;
  send_to_first_open: Latency;
}

export interface StatsSummary {
  since: string | null;
  until: string | null;
  by: StatsGrouping;
  time_zone: string;
  total: StatsFigures;
  groups: Array<{ key: string } & StatsFigures>;
  /** Stored events no reply claims (yet), by type: counted apart so they never silently vanish. */
  unlinked: { total: number; by_type: Record<string, number> };
  /** First-party hits forwarded to Plausible, all time (not windowed): what Plausible's own numbers leave out. */
  plausible: PlausibleForwardCounts;
}

export function runStatsSummary(options: StatsSummaryOptions, deps: { store: Store }): StatsSummary {
  if (options.since !== null && options.until !== null && options.since >= options.until) {
    throw new UsageError(
      `--since (${options.since.toISOString()}) is not before --until (${options.until.toISOString()})`,
    );
  }
  const db = deps.store;
  const bounds: WindowBounds = {
    since: options.since?.toISOString() ?? null,
    until: options.until?.toISOString() ?? null,
  };
  const grouping = groupingFor(db, bounds, options);
  const replyRows = selectReplyCounts(db, bounds, grouping);
  const recipientRows = selectRecipientCounts(db, bounds, grouping);
  // One pass over the recipients serves both the groups and the total: every grouping puts each recipient
  // in exactly one group. Replies too, except by domain (a reply to two domains is in both), so that total
  // is counted apart, which is cheap.
  const replyTotal =
    options.by === 'domain' ? selectReplyCounts(db, bounds, { by: 'none' })[0] : mergeReplyCounts(replyRows);
  const total = figures(replyTotal, mergeRecipientCounts(recipientRows));
  let groups: StatsSummary['groups'] = [];
  if (options.by !== 'none') {
    const replies = new Map(replyRows.map((row) => [row.key, row]));
    const recipients = new Map(recipientRows.map((row) => [row.key, row]));
    groups = [...new Set([...replies.keys(), ...recipients.keys()])].map((key) => ({
      key,
      ...figures(replies.get(key), recipients.get(key)),
    }));
    if (options.by === 'domain')
      groups.sort((a, b) => b.recipients - a.recipients || a.key.localeCompare(b.key));
    else groups.sort((a, b) => a.key.localeCompare(b.key));
  }
  const unlinkedRows = selectUnlinkedCounts(db, bounds);
  return {
    since: bounds.since,
    until: bounds.until,
    by: options.by,
    time_zone: options.timeZone,
    total,
    groups,
    unlinked: {
      total: unlinkedRows.reduce((n, row) => n + row.count, 0),
      by_type: Object.fromEntries(unlinkedRows.map((row) => [row.event_type, row.count])),
    },
    plausible: readPlausibleForwards(db),
  };
}

/** `day` folds UTC times into the operator's local days, with the zone's offsets over the window's replies. */
function groupingFor(db: Store, bounds: WindowBounds, options: StatsSummaryOptions): Grouping {
  if (options.by !== 'day') return { by: options.by };
  const range = selectReplyTimeRange(db, bounds);
  if (range.first === null || range.last === null) return { by: 'day', offsets: [] };
  return { by: 'day', offsets: offsetSpans(options.timeZone, new Date(range.first), new Date(range.last)) };
}

function mergeReplyCounts(rows: ReplyCountsRow[]): ReplyCountsRow {
  const total: ReplyCountsRow = {
    key: '',
    replies: 0,
    replies_sent: 0,
    replies_api_tried: 0,
    replies_relayed: 0,
  };
  for (const row of rows)
    for (const field of ['replies', 'replies_sent', 'replies_api_tried', 'replies_relayed'] as const)
      total[field] += row[field] ?? 0;
  return total;
}

function mergeRecipientCounts(rows: CountsRow[]): CountsRow | undefined {
  if (rows.length <= 1) return rows[0];
  const total = {
    key: '',
    to_delivered: null,
    to_opened: null,
    ...Object.fromEntries(RECIPIENT_FIELDS.map((field) => [field, 0])),
  } as CountsRow;
  for (const row of rows) for (const field of RECIPIENT_FIELDS) total[field] += row[field] ?? 0;
  const join = (parts: Array<string | null>) =>
    parts.filter((part) => part !== null && part !== '').join(',') || null;
  total.to_delivered = join(rows.map((row) => row.to_delivered));
  total.to_opened = join(rows.map((row) => row.to_opened));
  return total;
}

const RECIPIENT_FIELDS = [
  'recipients',
  'sent',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'bounced_hard',
  'bounced_soft',
  'bounced_unknown',
  'spam',
  'rejected',
  'unsubscribed',
  'failed',
] as const satisfies ReadonlyArray<keyof CountsRow>;

function figures(replyRow: ReplyCountsRow | undefined, recipientRow: CountsRow | undefined): StatsFigures {
  // SUM() over no rows is NULL in SQL; a group can also have replies but no recipient rows.
  const c = Object.fromEntries(
    RECIPIENT_FIELDS.map((field) => [field, recipientRow?.[field] ?? 0]),
  ) as Record<(typeof RECIPIENT_FIELDS)[number], number>;
  const r = {
    replies: replyRow?.replies ?? 0,
    replies_sent: replyRow?.replies_sent ?? 0,
    replies_api_tried: replyRow?.replies_api_tried ?? 0,
    replies_relayed: replyRow?.replies_relayed ?? 0,
  };
  return {
    ...r,
    ...c,
    rates: {
      delivered: rate(c.delivered, c.sent),
      opened: rate(c.opened, c.delivered),
      clicked: rate(c.clicked, c.delivered),
      bounced: rate(c.bounced, c.sent),
      spam: rate(c.spam, c.delivered),
      rejected: rate(c.rejected, c.sent),
      unsubscribed: rate(c.unsubscribed, c.delivered),
      failed: rate(c.failed, c.recipients),
      fallback_to_relay: rate(r.replies_relayed, r.replies_api_tried),
    },
    send_to_delivered: latency(unpack(recipientRow?.to_delivered)),
    send_to_first_open: latency(unpack(recipientRow?.to_opened)),
  };
}

function unpack(packed: string | null | undefined): Float64Array {
  if (packed === null || packed === undefined || packed === '') return new Float64Array(0);
  return Float64Array.from(packed.split(','), Number);
}

function rate(count: number, of: number): Rate {
  return { count, of, rate: of === 0 ? null : count / of };
}

/** Nearest-rank percentiles: always a value that was actually observed. */
function latency(values: ArrayLike<number>): Latency {
  if (values.length === 0) return { count: 0, p50_ms: null, p95_ms: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
  return { count: sorted.length, p50_ms: at(0.5), p95_ms: at(0.95) };
}
