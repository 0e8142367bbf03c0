import { storeDialect, type Store } from './open-store.js';
import { prepared } from './statement-cache.js';

export type StatsGrouping = 'none' | 'day' | 'transport' | 'domain';

/** A reply belongs to the window by when it was sent, or created when it never was (a failed send). */
const REPLY_TIME = 'COALESCE(t.sent_at, t.created_at)';

// A bound is NULL when not given; the CAST tells PostgreSQL what type the parameter is in `IS NULL`.
const WINDOW = `(CAST(@since AS TEXT) IS NULL OR ${REPLY_TIME} >= @since) AND (CAST(@until AS TEXT) IS NULL OR ${REPLY_TIME} < @until)`;

// A recipient counts as sent once our send path or any SMTP2Go event says the mail left.
const SENT = `(r.send_status = 'sent' OR COALESCE(r.sent_at, r.processed_at, r.delivered_at, r.bounced_at, r.rejected_at, r.opened_at, r.clicked_at, r.spam_at, r.unsubscribed_at) IS NOT NULL)`;
// Opens, clicks, complaints and unsubscribes all happen in the mailbox, so they imply delivery.
const DELIVERED =
  'COALESCE(r.delivered_at, r.opened_at, r.clicked_at, r.spam_at, r.unsubscribed_at) IS NOT NULL';
// 1 for a bounce that counts, else 0. As in core/reply-status bounceStands: a soft or unknown bounce followed by
// a delivery does not count as a bounce. CASE rather than AND: SQLite evaluates both sides of AND, and most
// recipients never bounced.
export const BOUNCED = `(CASE WHEN r.bounced_at IS NULL THEN 0 WHEN COALESCE(r.bounce_type, '') <> 'hard' AND COALESCE(r.delivered_at, '') > r.bounced_at THEN 0 ELSE 1 END)`;
/** 1 when the condition holds, else 0: SQLite sums a comparison as it is, PostgreSQL sums numbers only. */
const flag = (condition: string) => `CASE WHEN ${condition} THEN 1 ELSE 0 END`;
// Sent by the portal: its send finished and the mail left. A demo reply (`webhook trigger --demo`) stays
// pending whatever events it is given: nothing was sent.
const REPLY_SENT = `(t.sent_at IS NOT NULL AND t.transport <> 'pending')`;
// The API was tried for the reply: only then can the relay be a fallback. An installation with the relay only
// (module disabled, no key or no sender) records a fallback reason too, but nothing fell back.
const API_TRIED = `EXISTS (SELECT 1 FROM send_attempts a WHERE a.reply_id = t.id AND a.transport = 'api')`;
// The relay carried the reply because the API could not (fallback_reason set), not because it was asked to.
const RELAYED = `(t.transport IN ('smtp', 'api+smtp') AND t.fallback_reason IS NOT NULL AND ${API_TRIED})`;
// The recipient's own send time first: a relay fallback sends some recipients later than the reply's first send.
const SEND_TIME = 'COALESCE(r.sent_at, t.sent_at)';
type Dialect = ReturnType<typeof storeDialect>;
/** Milliseconds between two ISO-8601 times (julianday is SQLite's; PostgreSQL subtracts timestamps exactly). */
const millisSinceSend = (dialect: Dialect, column: string) =>
  dialect === 'postgres'
    ? `round(EXTRACT(EPOCH FROM (${column}::timestamptz - ${SEND_TIME}::timestamptz)) * 1000)::bigint`
    : `CAST(round((julianday(${column}) - julianday(${SEND_TIME})) * 86400000) AS INTEGER)`;
/** Comma-separated values of a group (NULLs left out, NULL when none), in no particular order. */
const joined = (dialect: Dialect, value: string) =>
  dialect === 'postgres' ? `string_agg((${value})::text, ',')` : `group_concat(${value})`;

export interface WindowBounds {
  /** ISO-8601 UTC, inclusive; null for no lower bound. */
  since: string | null;
  /** ISO-8601 UTC, exclusive; null for no upper bound. */
  until: string | null;
}

/** One stretch of constant UTC offset in the operator's zone: up to `until` (exclusive; null = onwards). */
export interface OffsetSpan {
  until: string | null;
  offsetMinutes: number;
}

/** How to group: by the operator's local day needs the zone's offsets over the window. */
export type Grouping = { by: 'none' | 'transport' | 'domain' } | { by: 'day'; offsets: OffsetSpan[] };

function groupKey(dialect: Dialect, grouping: Grouping, params: Record<string, unknown>): string {
  switch (grouping.by) {
    case 'none':
      return `''`;
    case 'transport':
      return 't.transport';
    case 'domain':
      // lower() of COLLATE "C" text folds ASCII only on PostgreSQL, as SQLite's does.
      return `lower(substr(r.email, ${dialect === 'postgres' ? 'strpos' : 'instr'}(r.email, '@') + 1))`;
    case 'day': {
      // The local date, shifted by the offset in force at that instant (DST changes inside the window included).
      const minutes = (span: OffsetSpan) =>
        `${span.offsetMinutes >= 0 ? '+' : ''}${Math.trunc(span.offsetMinutes)} minutes`;
      // The UTC wall time plus the offset, as text YYYY-MM-DD on both engines.
      const shift = (span: OffsetSpan) =>
        dialect === 'postgres'
          ? `to_char((${REPLY_TIME}::timestamptz AT TIME ZONE 'UTC') + interval '${minutes(span)}', 'YYYY-MM-DD') COLLATE "C"`
          : `date(${REPLY_TIME}, '${minutes(span)}')`;
      const spans = grouping.offsets.length > 0 ? grouping.offsets : [{ until: null, offsetMinutes: 0 }];
      const cases = spans.slice(0, -1).map((span, i) => {
        params[`until_${i}`] = span.until;
        return `WHEN ${REPLY_TIME} < @until_${i} THEN ${shift(span)}`;
      });
      const last = shift(spans[spans.length - 1] as OffsetSpan);
      return cases.length === 0 ? last : `CASE ${cases.join(' ')} ELSE ${last} END`;
    }
  }
}

/** Recipient counts of a group of replies: the same figures for the whole window and for each --by key. */
export interface RecipientCounts {
  recipients: number;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  bounced: number;
  bounced_hard: number;
  bounced_soft: number;
  /** Bounces that said neither hard nor soft and carried no SMTP code to tell. */
  bounced_unknown: number;
  spam: number;
  rejected: number;
  unsubscribed: number;
  failed: number;
}

export interface CountsRow extends RecipientCounts {
  key: string;
  /** Comma-separated milliseconds from send to delivery / first open, one per recipient (null when none). */
  to_delivered: string | null;
  to_opened: string | null;
}

/**
 * Recipient-level counts (SMTP2Go tracks each recipient) and the send-to-delivery/open latencies, per group,
 * in one pass over replies and recipients. The latencies come back packed as text: far cheaper than one
 * JavaScript row per recipient on a large store.
 */
export function selectRecipientCounts(db: Store, bounds: WindowBounds, grouping: Grouping): CountsRow[] {
  const params: Record<string, unknown> = { ...bounds };
  const dialect = storeDialect(db);
  const key = groupKey(dialect, grouping, params);
  return prepared(
    db,
    `SELECT ${key} AS key,
            COUNT(*) AS recipients,
            SUM(${flag(SENT)}) AS sent,
            SUM(${flag(DELIVERED)}) AS delivered,
            SUM(${flag('r.opened_at IS NOT NULL OR r.clicked_at IS NOT NULL')}) AS opened,
            SUM(${flag('r.clicked_at IS NOT NULL')}) AS clicked,
            SUM(${BOUNCED}) AS bounced,
            SUM(CASE WHEN r.bounce_type = 'hard' THEN ${BOUNCED} ELSE 0 END) AS bounced_hard,
            SUM(CASE WHEN r.bounce_type = 'soft' THEN ${BOUNCED} ELSE 0 END) AS bounced_soft,
            SUM(CASE WHEN COALESCE(r.bounce_type, '') NOT IN ('hard', 'soft') THEN ${BOUNCED} ELSE 0 END) AS bounced_unknown,
            SUM(${flag('r.spam_at IS NOT NULL')}) AS spam,
            SUM(${flag('r.rejected_at IS NOT NULL')}) AS rejected,
            SUM(${flag('r.unsubscribed_at IS NOT NULL')}) AS unsubscribed,
            SUM(${flag(`r.send_status = 'failed' AND NOT ${SENT}`)}) AS failed,
            ${joined(dialect, millisSinceSend(dialect, 'r.delivered_at'))} AS to_delivered,
            ${joined(dialect, millisSinceSend(dialect, 'r.opened_at'))} AS to_opened
       FROM ticket_replies t JOIN reply_recipients r ON r.reply_id = t.id
      WHERE ${WINDOW}
      GROUP BY key ORDER BY key`,
  ).all(params) as CountsRow[];
}

export interface ReplyCountsRow {
  key: string;
  replies: number;
  replies_sent: number;
  replies_api_tried: number;
  replies_relayed: number;
}

/** Reply-level counts per group; by domain, a reply counts once in each domain it was sent to. */
export function selectReplyCounts(db: Store, bounds: WindowBounds, grouping: Grouping): ReplyCountsRow[] {
  const params: Record<string, unknown> = { ...bounds };
  const key = groupKey(storeDialect(db), grouping, params);
  const sql =
    grouping.by === 'domain'
      ? `SELECT key, COUNT(*) AS replies, SUM(sent) AS replies_sent, SUM(api_tried) AS replies_api_tried, SUM(relayed) AS replies_relayed
           FROM (SELECT DISTINCT t.id, ${key} AS key, ${flag(REPLY_SENT)} AS sent, ${flag(API_TRIED)} AS api_tried,
                        ${flag(RELAYED)} AS relayed
                   FROM ticket_replies t JOIN reply_recipients r ON r.reply_id = t.id WHERE ${WINDOW}) AS by_domain
          GROUP BY key ORDER BY key`
      : `SELECT ${key} AS key, COUNT(*) AS replies, SUM(${flag(REPLY_SENT)}) AS replies_sent,
                SUM(${flag(API_TRIED)}) AS replies_api_tried, SUM(${flag(RELAYED)}) AS replies_relayed
           FROM ticket_replies t WHERE ${WINDOW} GROUP BY key ORDER BY key`;
  return prepared(db, sql).all(params) as ReplyCountsRow[];
}

/** The earliest and latest reply time in the window (to work out the zone's offsets over it). */
export function selectReplyTimeRange(
  db: Store,
  bounds: WindowBounds,
): { first: string | null; last: string | null } {
  return prepared(
    db,
    `SELECT MIN(${REPLY_TIME}) AS first, MAX(${REPLY_TIME}) AS last FROM ticket_replies t WHERE ${WINDOW}`,
  ).get(bounds) as {
    first: string | null;
    last: string | null;
  };
}

/** Events no reply claims yet, by type, counted by event time in the same window. */
export function selectUnlinkedCounts(
  db: Store,
  bounds: WindowBounds,
): Array<{ event_type: string; count: number }> {
  return prepared(
    db,
    `SELECT event_type, COUNT(*) AS count FROM email_tracking_events
      WHERE reply_id IS NULL AND (CAST(@since AS TEXT) IS NULL OR occurred_at >= @since) AND (CAST(@until AS TEXT) IS NULL OR occurred_at < @until)
      GROUP BY event_type ORDER BY event_type`,
  ).all(bounds) as Array<{ event_type: string; count: number }>;
}
