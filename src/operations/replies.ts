import { formatReplyCursor, type ReplyCursor } from '../core/reply-cursor.js';
import { summarizeReplyStatus, type ReplyStatus } from '../core/reply-status.js';
import { bracketed } from '../store/correlate-event.js';
import type { Store } from '../store/open-store.js';
import {
  selectRecipientsOf,
  selectRepliesWithEvents,
  selectReplyPage,
  type ReplySearchFilter,
} from '../store/reply-search.js';
import { recipientDocument, replySummary, type RecipientStats, type ReplySummary } from './stats.js';

/** `--status`: a status `stats` shows, or `ambiguous` (pending, and the send may or may not have gone out). */
export type RepliesStatus = ReplyStatus | 'ambiguous';

export interface RepliesOptions {
  recipient?: string;
  ticketId?: number;
  status?: RepliesStatus;
  transport?: 'api' | 'smtp';
  trackingId?: string;
  emailId?: string;
  /** With or without angle brackets. */
  messageId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor: ReplyCursor | null;
}

/** One listed reply: the `stats --reply --json` fields less clicks and events, and the time it is listed by. */
export interface ListedReply extends ReplySummary {
  recipients: RecipientStats[];
  /** When it went out, else when it was created: what the list is ordered by. */
  listed_at: string;
}

export interface RepliesResult {
  replies: ListedReply[];
  /** Null when this page is the last. */
  next_cursor: string | null;
}

// Rows read per query while a status filter skips some: small pages stay cheap, sparse matches take few queries.
const MIN_BATCH = 100;

/**
 * Replies newest first, narrowed by the options. The status is decided per reply by core/reply-status.ts,
 * as `stats` decides it; the store's query only leaves out replies that cannot be in it.
 */
export function runReplies(options: RepliesOptions, deps: { store: Store }): RepliesResult {
  const store = deps.store;
  const filter = toFilter(options);
  const wanted = options.status;
  const found: ListedReply[] = [];
  let after = options.cursor;
  // One more than the page, to know whether another page exists.
  const need = options.limit + 1;
  const batch = wanted === undefined ? need : Math.max(need, MIN_BATCH);
  for (;;) {
    const rows = selectReplyPage(store, filter, after, batch);
    // Two queries per batch, not two per reply: a page of 1,000 would otherwise spend most of its time preparing them.
    const ids = rows.map((row) => row.id);
    const recipientsOf = selectRecipientsOf(store, ids);
    const tracked = selectRepliesWithEvents(store, ids);
    for (const row of rows) {
      const recipients = recipientsOf.get(row.id) ?? [];
      const { status } = summarizeReplyStatus(row, recipients);
      if (wanted !== undefined && status !== (wanted === 'ambiguous' ? 'pending' : wanted)) continue;
      found.push({
        ...replySummary(row, recipients, status, { hasTracking: tracked.has(row.id) }),
        recipients: recipients.map(recipientDocument),
        listed_at: row.listed_at,
      });
      if (found.length === need) break;
    }
    const last = rows[rows.length - 1];
    if (found.length === need || rows.length < batch || last === undefined) break;
    after = { at: last.listed_at, id: last.id };
  }
  const page = found.slice(0, options.limit);
  const end = page[page.length - 1];
  return {
    replies: page,
    next_cursor:
      found.length > options.limit && end !== undefined
        ? formatReplyCursor({ at: end.listed_at, id: end.reply_id })
        : null,
  };
}

function toFilter(options: RepliesOptions): ReplySearchFilter {
  const status = options.status === 'ambiguous' ? 'pending' : options.status;
  const filter: ReplySearchFilter = {
    recipient: options.recipient,
    ticketId: options.ticketId,
    status,
    ambiguous: options.status === 'ambiguous' ? true : undefined,
    transport: options.transport,
    trackingId: options.trackingId,
    emailId: options.emailId,
    // The listener's own spelling of a Message-ID; a blank one can name no reply.
    messageId: options.messageId === undefined ? undefined : (bracketed(options.messageId) ?? '<>'),
    since: options.since?.toISOString(),
    until: options.until?.toISOString(),
  };
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
}
