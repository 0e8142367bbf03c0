import type { ReplyCursor } from '../core/reply-cursor.js';
import type { ReplyStatus } from '../core/reply-status.js';
import { storeDialect, type Store } from './open-store.js';
import type { ReplyRow } from './replies.js';
import { RECIPIENT_COLUMNS, type RecipientRow } from './stats-queries.js';
import { prepared } from './statement-cache.js';

/** What `replies` can narrow on; every field given must match (AND). */
export interface ReplySearchFilter {
  /** Part of any recipient's address, any case; `%` and `_` are plain characters. */
  recipient?: string;
  ticketId?: number;
  /**
   * Keeps replies that may be in this status: a necessary condition only, cheap in SQL. The exact status
   * is core/reply-status.ts's to decide (the caller checks each row), so the rules live in one place.
   */
  status?: ReplyStatus;
  /** Only replies whose send was ambiguous (SMTP2Go may or may not have taken it). */
  ambiguous?: boolean;
  /** A transport that carried the reply: `api` also matches `api+smtp`, and so does `smtp`. */
  transport?: 'api' | 'smtp';
  trackingId?: string;
  emailId?: string;
  /** With angle brackets, as stored. */
  messageId?: string;
  /** Listing time bounds (ISO-8601 UTC): since inclusive, until exclusive, like the stats window. */
  since?: string;
  until?: string;
}

/** A reply row with the time it is listed and ordered by. */
export type ListedReplyRow = ReplyRow & { listed_at: string };

/** The stats window's reply time: when it went out, else when it was created. */
const LISTED = 'COALESCE(r.sent_at, r.created_at)';

// One recipient row, or the reply itself when it has none, that could give the reply this status. A reply's
// status is its recipients' highest, so it is S only if some recipient is S, which needs S's own mark.
const MARK: Record<Exclude<ReplyStatus, 'pending'>, string> = {
  bounced: 'x.bounced_at IS NOT NULL',
  spam: 'x.spam_at IS NOT NULL',
  rejected: 'x.rejected_at IS NOT NULL',
  unsubscribed: 'x.unsubscribed_at IS NOT NULL',
  clicked: 'x.clicked_at IS NOT NULL',
  opened: 'x.opened_at IS NOT NULL',
  delivered: 'x.delivered_at IS NOT NULL',
  processed: 'x.processed_at IS NOT NULL',
  sent: "(x.sent_at IS NOT NULL OR x.send_status = 'sent')",
  failed: "x.send_status = 'failed'",
};
const OWN_MARK: Record<Exclude<ReplyStatus, 'pending'>, string> = {
  ...MARK,
  sent: 'x.sent_at IS NOT NULL',
  failed: "x.transport = 'failed'",
};
const NO_RECIPIENTS = 'NOT EXISTS (SELECT 1 FROM reply_recipients x WHERE x.reply_id = r.id)';

function statusCondition(status: ReplyStatus): string {
  const own = (condition: string) => condition.replaceAll('x.', 'r.');
  if (status === 'pending') {
    // Pending only when every recipient is: none carries a mark that always lifts it out of pending (an
    // unsubscribe does not: a later resubscribe undoes it).
    const lifting = (marks: Record<string, string>) =>
      Object.entries(marks)
        .filter(([name]) => name !== 'unsubscribed')
        .map(([, mark]) => mark)
        .join(' OR ');
    const anyMark = lifting(MARK);
    const ownMark = lifting(OWN_MARK);
    return `(NOT EXISTS (SELECT 1 FROM reply_recipients x WHERE x.reply_id = r.id AND (${anyMark})) AND NOT (${NO_RECIPIENTS} AND (${own(ownMark)})))`;
  }
  return `(EXISTS (SELECT 1 FROM reply_recipients x WHERE x.reply_id = r.id AND ${MARK[status]}) OR (${NO_RECIPIENTS} AND ${own(OWN_MARK[status])}))`;
}

/** `LIKE` with the operator's text taken literally. */
export function likeContaining(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Up to `count` replies matching the filter, newest first by listing time, then by id, strictly after
 * `after`. Walks ticket_replies_listed (migration 5) backwards, so a page costs about its own size plus the
 * rows the filters skip.
 */
export function selectReplyPage(
  db: Store,
  filter: ReplySearchFilter,
  after: ReplyCursor | null,
  count: number,
): ListedReplyRow[] {
  const where: string[] = [];
  const params: Record<string, string | number> = { count };
  const add = (condition: string, values: Record<string, string | number> = {}) => {
    where.push(condition);
    Object.assign(params, values);
  };
  if (after !== null)
    add(`${LISTED} <= @after_at AND (${LISTED} < @after_at OR r.id < @after_id)`, {
      after_at: after.at,
      after_id: after.id,
    });
  if (filter.since !== undefined) add(`${LISTED} >= @since`, { since: filter.since });
  if (filter.until !== undefined) add(`${LISTED} < @until`, { until: filter.until });
  if (filter.ticketId !== undefined) add('r.ticket_id = @ticket', { ticket: filter.ticketId });
  if (filter.trackingId !== undefined)
    add('r.email_tracking_id = @tracking', { tracking: filter.trackingId });
  if (filter.emailId !== undefined) add('r.smtp2go_email_id = @email_id', { email_id: filter.emailId });
  if (filter.messageId !== undefined) add('r.rfc_message_id = @message_id', { message_id: filter.messageId });
  if (filter.transport !== undefined)
    add("(r.transport = @transport OR r.transport = 'api+smtp')", { transport: filter.transport });
  if (filter.ambiguous === true) add("r.send_outcome = 'ambiguous'");
  if (filter.status !== undefined) add(statusCondition(filter.status));
  if (filter.recipient !== undefined) {
    // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE on COLLATE "C" text folds ASCII only, the same.
    const like = storeDialect(db) === 'postgres' ? 'ILIKE' : 'LIKE';
    add(
      `EXISTS (SELECT 1 FROM reply_recipients x WHERE x.reply_id = r.id AND x.email ${like} @recipient ESCAPE '\\')`,
      { recipient: likeContaining(filter.recipient) },
    );
  }
  const sql = `SELECT r.*, ${LISTED} AS listed_at FROM ticket_replies r
    ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
    ORDER BY ${LISTED} DESC, r.id DESC LIMIT @count`;
  return prepared(db, sql).all(params) as ListedReplyRow[];
}

/** The ids in a JSON array bound as one parameter, as a subquery: a page's ids in one statement on either engine. */
function idsIn(db: Store): string {
  return storeDialect(db) === 'postgres'
    ? '(SELECT value::bigint FROM jsonb_array_elements_text(?::jsonb))'
    : '(SELECT value FROM json_each(?))';
}

/** Each reply's recipients, in the order they were written, for a page of replies in one query. */
export function selectRecipientsOf(db: Store, replyIds: readonly number[]): Map<number, RecipientRow[]> {
  const rows = prepared(
    db,
    `SELECT reply_id, ${RECIPIENT_COLUMNS} FROM reply_recipients WHERE reply_id IN ${idsIn(db)} ORDER BY reply_id, id`,
  ).all(JSON.stringify(replyIds)) as Array<RecipientRow & { reply_id: number }>;
  const byReply = new Map<number, RecipientRow[]>(replyIds.map((id) => [id, []]));
  for (const { reply_id: replyId, ...row } of rows) byReply.get(replyId)?.push(row);
  return byReply;
}

/** Which of these replies have at least one stored event (`has_tracking`); index-only on events_reply_time. */
export function selectRepliesWithEvents(db: Store, replyIds: readonly number[]): Set<number> {
  const sql = `SELECT DISTINCT reply_id FROM email_tracking_events WHERE reply_id IN ${idsIn(db)}`;
  return new Set(prepared(db, sql).pluck().all(JSON.stringify(replyIds)) as number[]);
}
