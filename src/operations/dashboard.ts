import { offsetSpans } from '../core/time-zone.js';
import {
  selectBounceReasons,
  selectEventsAfter,
  selectLatestEventId,
  selectLatestEvents,
  selectQuarterCounts,
  type LiveEventRow,
} from '../store/dashboard-queries.js';
import type { LiveEvent } from '../dashboard/stream.js';
import type { Store } from '../store/open-store.js';
import { listSendAttempts } from '../store/send-attempts.js';
import { runReplyStats, type ReplyStatsDocument } from './stats.js';

/** An event as the live view and `/api/events` show it; field names as `webhook serve --json` logs them. */
export type LiveEventDocument = LiveEvent;

export function liveEvents(store: Store) {
  const document = (row: LiveEventRow): LiveEventDocument => ({
    id: row.id,
    event: row.event_type,
    reply_id: row.reply_id,
    recipient: row.recipient,
    occurred_at: row.occurred_at,
    received_at: row.received_at,
    source: row.source,
    duplicate: false,
    url: row.url,
    bounce_type: row.bounce_type,
    detail: row.detail,
  });
  return {
    eventsAfter: (after: number, limit: number) => selectEventsAfter(store, after, limit).map(document),
    latestEvents: (limit: number) => selectLatestEvents(store, limit).map(document),
    latestId: () => selectLatestEventId(store),
  };
}

/**
 * One reply's page: the `stats --reply --json` document, plus what its human output adds (subject, the
 * status in words, why the relay was used) and every send attempt with send-test's `--json` field names.
 */
export interface ReplyStoryDocument extends ReplyStatsDocument {
  subject: string | null;
  status_text: string;
  fallback_reason: string | null;
  attempts: Array<{
    attempt: number;
    transport: string;
    ok: boolean;
    outcome: string;
    status: number | null;
    error: string | null;
    error_class: string | null;
    ms: number;
    started_at: string;
  }>;
}

export function runReplyStory(replyId: number, deps: { store: Store }): ReplyStoryDocument {
  const stats = runReplyStats({ replyId }, deps);
  const attempts = listSendAttempts(deps.store, replyId).map((a) => ({
    attempt: a.attempt_no,
    transport: a.transport,
    ok: a.ok === 1,
    outcome: a.outcome,
    status: a.http_status,
    error: a.error,
    error_class: a.error_class,
    ms: a.ms,
    started_at: a.started_at,
  }));
  const statusText = stats.statusMixed ? `${stats.document.status}: ${stats.statusText}` : stats.statusText;
  return {
    ...stats.document,
    subject: stats.subject,
    status_text: statusText,
    fallback_reason: stats.send.fallbackReason,
    attempts,
  };
}

export interface EventRollup {
  /** Reads the events stored since the last call into the counts, a slice at a time. */
  refresh(): Promise<void>;
  /** Counts per quarter hour (UTC epoch ms of its start) and type. */
  readonly quarters: ReadonlyMap<number, ReadonlyMap<string, number>>;
}

const QUARTER_MS = 900_000;

/**
 * Events per day by type over a big store: counting them is a scan of every event (about 3 s for
 * 1,000,000), too long to repeat per page view and too long to hold a listener's event loop. The counts are
 * kept per quarter hour (every zone's offset is a multiple of 15 minutes, so any zone's days can be folded
 * from them), built once in slices of row ids with a turn of the event loop between slices, then brought
 * up to date from the row ids stored since.
 */
export function createEventRollup(
  store: Store,
  options: { slice?: number; pause?: () => Promise<void> } = {},
): EventRollup {
  const slice = options.slice ?? 20_000;
  const pause = options.pause ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));
  const quarters = new Map<number, Map<string, number>>();
  let done = 0;
  let running: Promise<void> | null = null;

  async function run(): Promise<void> {
    const top = selectLatestEventId(store);
    while (done < top) {
      const to = Math.min(done + slice, top);
      for (const row of selectQuarterCounts(store, done, to)) {
        const start = Date.parse(`${row.hour}:00:00Z`) + row.quarter * QUARTER_MS;
        if (Number.isNaN(start)) continue;
        let types = quarters.get(start);
        if (types === undefined) quarters.set(start, (types = new Map<string, number>()));
        types.set(row.event_type, (types.get(row.event_type) ?? 0) + row.count);
      }
      done = to;
      if (done < top) await pause();
    }
  }

  return {
    quarters,
    refresh() {
      running ??= run().finally(() => {
        running = null;
      });
      return running;
    },
  };
}

export interface ActivityOptions {
  since: Date | null;
  until: Date | null;
  timeZone: string;
}

export interface ActivityDocument {
  since: string | null;
  until: string | null;
  time_zone: string;
  /** Every event type counted in the window, commonest first. */
  types: string[];
  /** The operator's local days, oldest first, by event time (to the quarter hour at the window's ends). */
  days: Array<{ day: string; total: number; by_type: Record<string, number> }>;
  /** The commonest reasons of the bounces `stats` counts, over the replies sent in the window. */
  bounce_reasons: Array<{ reason: string; count: number }>;
}

export async function runActivity(
  options: ActivityOptions,
  deps: { store: Store; rollup: EventRollup },
): Promise<ActivityDocument> {
  await deps.rollup.refresh();
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  const starts = [...deps.rollup.quarters.keys()]
    .filter((start) => start >= since - QUARTER_MS + 1 && start < until)
    .sort((a, b) => a - b);
  const days = new Map<string, { day: string; total: number; by_type: Record<string, number> }>();
  const totals = new Map<string, number>();
  if (starts.length > 0) {
    const spans = offsetSpans(
      options.timeZone,
      new Date(starts[0] as number),
      new Date(starts[starts.length - 1] as number),
    );
    let span = 0;
    for (const start of starts) {
      while (spans[span]?.until != null && start >= Date.parse(spans[span]?.until as string)) span += 1;
      const day = new Date(start + (spans[span]?.offsetMinutes ?? 0) * 60_000).toISOString().slice(0, 10);
      let entry = days.get(day);
      if (entry === undefined)
        days.set(day, (entry = { day, total: 0, by_type: Object.create(null) as Record<string, number> }));
      for (const [type, count] of deps.rollup.quarters.get(start) ?? []) {
        entry.by_type[type] = (entry.by_type[type] ?? 0) + count;
        entry.total += count;
        totals.set(type, (totals.get(type) ?? 0) + count);
      }
    }
  }
  const bounds = { since: options.since?.toISOString() ?? null, until: options.until?.toISOString() ?? null };
  return {
    ...bounds,
    time_zone: options.timeZone,
    types: [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([type]) => type),
    days: [...days.values()],
    bounce_reasons: selectBounceReasons(deps.store, bounds, 10),
  };
}
