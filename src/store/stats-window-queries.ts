import type { Store } from './open-store.js';
import { prepared } from './stats-queries.js';

export type StatsGrouping = 'none' | 'day' | 'transport' | 'domain';

/** A reply belongs to the window by when it was sent, or created when it never was (a failed send). */
const REPLY_TIME = 'COALESCE(t.sent_at, t.created_at)';

// For `day`, rows are grouped by quarter hour in SQL ("2026-11-24T10:45") and folded into the
// operator's local days by the caller: every real UTC offset is a whole number of quarter hours.
const GROUP_KEYS: Record<StatsGrouping, string> = {
  none: `''`,
  day: `substr(${REPLY_TIME}, 1, 14) || printf('%02d', CAST(substr(${REPLY_TIME}, 15, 2) AS INTEGER) / 15 * 15)`,
  transport: 't.transport',
  domain: `lower(substr(r.email, instr(r.email, '@') + 1))`,
};

const WINDOW = `(@since IS NULL OR ${REPLY_TIME} >= @since) AND (@until IS NULL OR ${REPLY_TIME} < @until)`;

// A recipient counts as sent once our send path or any SMTP2Go event says the mail left.
const SENT = `(r.send_status = 'sent' OR COALESCE(r.sent_at, r.processed_at, r.delivered_at, r.bounced_at, r.rejected_at, r.opened_at, r.clicked_at, r.spam_at, r.unsubscribed_at) IS NOT NULL)`;
// Opens, clicks, complaints and unsubscribes all happen in the mailbox, so they imply delivery.
const DELIVERED = 'COALESCE(r.delivered_at, r.opened_at, r.clicked_at, r.spam_at, r.unsubscribed_at) IS NOT NULL';
// The relay carried the reply because the API could not (fallback_reason set), not because it was asked to.
const RELAYED = `(t.transport IN ('smtp', 'api+smtp') AND t.fallback_reason IS NOT NULL)`;

export interface WindowBounds {
  /** ISO-8601 UTC, inclusive; null for no lower bound. */
  since: string | null;
  /** ISO-8601 UTC, exclusive; null for no upper bound. */
  until: string | null;
}

export interface CountsRow {
  key: string;
  replies: number;
  replies_sent: number;
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
}

/** Recipient-level counts (SMTP2Go tracks each recipient) plus reply-level ones, per group key. */
export function selectWindowCounts(db: Store, bounds: WindowBounds, by: StatsGrouping): CountsRow[] {
  return prepared(
    db,
    `SELECT ${GROUP_KEYS[by]} AS key,
            COUNT(DISTINCT t.id) AS replies,
            COUNT(DISTINCT CASE WHEN t.sent_at IS NOT NULL THEN t.id END) AS replies_sent,
            COUNT(DISTINCT CASE WHEN ${RELAYED} THEN t.id END) AS replies_relayed,
            COUNT(*) AS recipients,
            SUM(${SENT}) AS sent,
            SUM(${DELIVERED}) AS delivered,
            SUM(r.opened_at IS NOT NULL OR r.clicked_at IS NOT NULL) AS opened,
            SUM(r.clicked_at IS NOT NULL) AS clicked,
            SUM(r.bounced_at IS NOT NULL) AS bounced,
            SUM(r.bounced_at IS NOT NULL AND r.bounce_type = 'hard') AS bounced_hard,
            SUM(r.bounced_at IS NOT NULL AND r.bounce_type = 'soft') AS bounced_soft,
            SUM(r.spam_at IS NOT NULL) AS spam,
            SUM(r.rejected_at IS NOT NULL) AS rejected,
            SUM(r.unsubscribed_at IS NOT NULL) AS unsubscribed,
            SUM(r.send_status = 'failed' AND NOT ${SENT}) AS failed
       FROM ticket_replies t JOIN reply_recipients r ON r.reply_id = t.id
      WHERE ${WINDOW}
      GROUP BY key ORDER BY key`,
  ).all(bounds) as CountsRow[];
}

export type LatencyKind = 'delivered' | 'opened';

/**
 * [group key, milliseconds] from the send to the recipient's first delivery or open. The recipient's
 * own send time is preferred: a relay fallback sends some recipients later than the reply's first send.
 */
export function selectLatencies(db: Store, bounds: WindowBounds, by: StatsGrouping, kind: LatencyKind): Array<[string, number]> {
  const column = kind === 'delivered' ? 'r.delivered_at' : 'r.opened_at';
  return prepared(
    db,
    `SELECT ${GROUP_KEYS[by]} AS key,
            CAST(round((julianday(${column}) - julianday(COALESCE(r.sent_at, t.sent_at))) * 86400000) AS INTEGER) AS ms
       FROM ticket_replies t JOIN reply_recipients r ON r.reply_id = t.id
      WHERE ${WINDOW} AND ${column} IS NOT NULL AND COALESCE(r.sent_at, t.sent_at) IS NOT NULL`,
  )
    .raw(true)
    .all(bounds) as Array<[string, number]>;
}

/** Events no reply claims yet, by type, counted by event time in the same window. */
export function selectUnlinkedCounts(db: Store, bounds: WindowBounds): Array<{ event_type: string; count: number }> {
  return prepared(
    db,
    `SELECT event_type, COUNT(*) AS count FROM email_tracking_events
      WHERE reply_id IS NULL AND (@since IS NULL OR occurred_at >= @since) AND (@until IS NULL OR occurred_at < @until)
      GROUP BY event_type ORDER BY event_type`,
  ).all(bounds) as Array<{ event_type: string; count: number }>;
}
