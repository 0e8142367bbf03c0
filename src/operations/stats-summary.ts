import { UsageError } from '../core/errors.js';
import { localDay } from '../core/time-zone.js';
import type { Store } from '../store/open-store.js';
import {
  selectLatencies,
  selectUnlinkedCounts,
  selectWindowCounts,
  type CountsRow,
  type LatencyKind,
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

export interface StatsFigures {
  replies: number;
  replies_sent: number;
  /** Replies the SMTP relay carried because the API could not. */
  replies_relayed: number;
  recipients: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  bounced_hard: number;
  bounced_soft: number;
  spam: number;
  rejected: number;
  unsubscribed: number;
  failed: number;
  rates: {
    delivered: Rate; opened: Rate; clicked: Rate; bounced: Rate; spam: Rate; rejected: Rate;
    unsubscribed: Rate; failed: Rate; fallback_to_relay: Rate;
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
}

export function runStatsSummary(options: StatsSummaryOptions, deps: { store: Store }): StatsSummary {
  if (options.since !== null && options.until !== null && options.since >= options.until) {
    throw new UsageError(`--since (${options.since.toISOString()}) is not before --until (${options.until.toISOString()})`);
  }
  const bounds: WindowBounds = { since: options.since?.toISOString() ?? null, until: options.until?.toISOString() ?? null };
  const keyOf = groupKeyMapper(options);
  const latencies = { delivered: latencyGroups(deps.store, bounds, options.by, 'delivered', keyOf), opened: latencyGroups(deps.store, bounds, options.by, 'opened', keyOf) };
  const totalRow = selectWindowCounts(deps.store, bounds, 'none')[0] ?? emptyCounts('');
  const total = figures(totalRow, latencies.delivered.all, latencies.opened.all);
  const groups = options.by === 'none' ? [] : groupFigures(selectWindowCounts(deps.store, bounds, options.by), keyOf, latencies, options.by);
  const unlinkedRows = selectUnlinkedCounts(deps.store, bounds);
  return {
    since: bounds.since,
    until: bounds.until,
    by: options.by,
    time_zone: options.timeZone,
    total,
    groups,
    unlinked: { total: unlinkedRows.reduce((n, row) => n + row.count, 0), by_type: Object.fromEntries(unlinkedRows.map((row) => [row.event_type, row.count])) },
  };
}

/** Maps SQL group keys to shown ones: quarter-hour buckets become the operator's local day. */
function groupKeyMapper(options: StatsSummaryOptions): (key: string) => string {
  if (options.by !== 'day') return (key) => key;
  const days = new Map<string, string>();
  return (key) => {
    let day = days.get(key);
    if (day === undefined) days.set(key, (day = localDay(new Date(`${key}:00Z`), options.timeZone)));
    return day;
  };
}

interface LatencyGroups {
  all: number[];
  byKey: Map<string, number[]>;
}

function latencyGroups(db: Store, bounds: WindowBounds, by: StatsGrouping, kind: LatencyKind, keyOf: (key: string) => string): LatencyGroups {
  const all: number[] = [];
  const byKey = new Map<string, number[]>();
  for (const [rawKey, ms] of selectLatencies(db, bounds, by, kind)) {
    all.push(ms);
    const key = keyOf(rawKey);
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [ms]);
    else list.push(ms);
  }
  return { all, byKey };
}

function groupFigures(
  rows: CountsRow[],
  keyOf: (key: string) => string,
  latencies: { delivered: LatencyGroups; opened: LatencyGroups },
  by: StatsGrouping,
): StatsSummary['groups'] {
  // Day buckets fold into days by summing: a reply sits in exactly one bucket, so its distinct counts add up.
  const merged = new Map<string, CountsRow>();
  for (const row of rows) {
    const key = keyOf(row.key);
    const into = merged.get(key);
    if (into === undefined) merged.set(key, { ...row, key });
    else for (const field of COUNT_FIELDS) into[field] += row[field];
  }
  const groups = [...merged.values()].map((row) => ({
    key: row.key,
    ...figures(row, latencies.delivered.byKey.get(row.key) ?? [], latencies.opened.byKey.get(row.key) ?? []),
  }));
  if (by === 'domain') return groups.sort((a, b) => b.recipients - a.recipients || a.key.localeCompare(b.key));
  return groups.sort((a, b) => a.key.localeCompare(b.key));
}

const COUNT_FIELDS = [
  'replies', 'replies_sent', 'replies_relayed', 'recipients', 'sent', 'delivered', 'opened', 'clicked', 'bounced',
  'bounced_hard', 'bounced_soft', 'spam', 'rejected', 'unsubscribed', 'failed',
] as const satisfies ReadonlyArray<keyof CountsRow>;

function emptyCounts(key: string): CountsRow {
  return { key, ...(Object.fromEntries(COUNT_FIELDS.map((field) => [field, 0])) as Omit<CountsRow, 'key'>) };
}

function figures(raw: CountsRow, delivered: number[], opened: number[]): StatsFigures {
  // SUM() over no rows is NULL in SQL.
  const c = Object.fromEntries(COUNT_FIELDS.map((field) => [field, raw[field] ?? 0])) as Omit<CountsRow, 'key'>;
  return {
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
      fallback_to_relay: rate(c.replies_relayed, c.replies_sent),
    },
    send_to_delivered: latency(delivered),
    send_to_first_open: latency(opened),
  };
}

export function rate(count: number, of: number): Rate {
  return { count, of, rate: of === 0 ? null : count / of };
}

/** Nearest-rank percentiles: always a value that was actually observed. */
export function latency(values: number[]): Latency {
  if (values.length === 0) return { count: 0, p50_ms: null, p95_ms: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
  return { count: sorted.length, p50_ms: at(0.5), p95_ms: at(0.95) };
}
