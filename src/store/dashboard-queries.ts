import type { Store } from './open-store.js';
import { statementCache } from './statement-cache.js';
import { BOUNCED } from './stats-window-queries.js';

/** A stored event as the live view lists it: no payload, no raw body. */
export interface LiveEventRow {
  id: number;
  event_type: string;
  reply_id: number | null;
  recipient: string | null;
  occurred_at: string;
  received_at: string;
  source: string;
  url: string | null;
  bounce_type: string | null;
  detail: string | null;
}

/** Event counts of one 15-minute slice of UTC time (every zone's offset is a multiple of 15 minutes). */
export interface QuarterCountRow {
  /** `YYYY-MM-DDTHH` of the event time. */
  hour: string;
  quarter: number;
  event_type: string;
  count: number;
}

const COLUMNS =
  'id, event_type, reply_id, recipient, occurred_at, received_at, source, url, bounce_type, detail';

const statements = statementCache((db) => ({
  // Row-id ranges walk the table's own b-tree: no index is added to the listener's write path.
  after: db.prepare(`SELECT ${COLUMNS} FROM email_tracking_events WHERE id > ? ORDER BY id LIMIT ?`),
  latest: db.prepare(`SELECT ${COLUMNS} FROM email_tracking_events ORDER BY id DESC LIMIT ?`),
  maxId: db.prepare('SELECT COALESCE(MAX(id), 0) FROM email_tracking_events').pluck(),
  quarters: db.prepare(
    `SELECT substr(occurred_at, 1, 13) AS hour, CAST(substr(occurred_at, 15, 2) AS INTEGER) / 15 AS quarter, event_type, COUNT(*) AS count
       FROM email_tracking_events WHERE id > ? AND id <= ? GROUP BY hour, quarter, event_type`,
  ),
  bounceReasons: db.prepare(
    `SELECT r.bounce_reason AS reason, COUNT(*) AS count
       FROM ticket_replies t JOIN reply_recipients r ON r.reply_id = t.id
      WHERE r.bounced_at IS NOT NULL AND r.bounce_reason IS NOT NULL AND ${BOUNCED} = 1
        AND (CAST(@since AS TEXT) IS NULL OR COALESCE(t.sent_at, t.created_at) >= @since) AND (CAST(@until AS TEXT) IS NULL OR COALESCE(t.sent_at, t.created_at) < @until)
      GROUP BY r.bounce_reason ORDER BY count DESC, reason LIMIT @limit`,
  ),
}));

export function selectEventsAfter(db: Store, after: number, limit: number): LiveEventRow[] {
  return statements(db).after.all(after, limit) as LiveEventRow[];
}

/** The newest events, newest first. */
export function selectLatestEvents(db: Store, limit: number): LiveEventRow[] {
  return statements(db).latest.all(limit) as LiveEventRow[];
}

export function selectLatestEventId(db: Store): number {
  return statements(db).maxId.get() as number;
}

/** Counts per quarter hour and type of the events with from < id <= to: one slice of a rollup built in steps. */
export function selectQuarterCounts(db: Store, from: number, to: number): QuarterCountRow[] {
  return statements(db).quarters.all(from, to) as QuarterCountRow[];
}

/** The commonest reasons of the bounces `stats` counts (a soft bounce later delivered is none), over the replies in its window. */
export function selectBounceReasons(
  db: Store,
  bounds: { since: string | null; until: string | null },
  limit: number,
): Array<{ reason: string; count: number }> {
  return statements(db).bounceReasons.all({ ...bounds, limit }) as Array<{ reason: string; count: number }>;
}
