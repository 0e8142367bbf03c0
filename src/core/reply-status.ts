/**
 * Where a reply (or one of its recipients) stands, from the tracking columns the webhook ingest keeps.
 * The order is the priority: a bounce outranks an earlier "delivered", a spam complaint outranks an open,
 * and a recipient SMTP2Go has told us nothing about is only as far as our own send path got it.
 */
export const REPLY_STATUSES = [
  'bounced',
  'spam',
  'rejected',
  'unsubscribed',
  'clicked',
  'opened',
  'delivered',
  'processed',
  'sent',
  'failed',
  'pending',
] as const;

export type ReplyStatus = (typeof REPLY_STATUSES)[number];

/** The columns a status is decided from (ticket_replies and reply_recipients share them). */
export interface StatusColumns {
  sent_at: string | null;
  processed_at: string | null;
  delivered_at: string | null;
  opened_at: string | null;
  clicked_at: string | null;
  bounced_at: string | null;
  spam_at: string | null;
  rejected_at: string | null;
  unsubscribed_at: string | null;
  resubscribed_at?: string | null;
  /** 'hard' | 'soft' | 'unknown' (a soft or unknown bounce followed by a delivery is not a bounce any more). */
  bounce_type?: string | null;
  /** reply_recipients.send_status: what the send path recorded ('sent' | 'failed' | 'ambiguous'). */
  send_status?: string | null;
}

function statusRank(status: ReplyStatus): number {
  return REPLY_STATUSES.indexOf(status);
}

/** The highest-priority status among several (the first of `REPLY_STATUSES` present). */
export function topStatus(statuses: Iterable<ReplyStatus>): ReplyStatus {
  let best: ReplyStatus = 'pending';
  for (const status of statuses) if (statusRank(status) < statusRank(best)) best = status;
  return best;
}

/**
 * True when the row's bounce still stands. SMTP2Go keeps retrying after a soft bounce (a full mailbox, a
 * greylisting server), so a delivery after it means the mail got through; a hard bounce is final. A bounce
 * of unknown kind is taken as soft here: a later delivery proves it was not final.
 */
function bounceStands(row: Pick<StatusColumns, 'bounced_at' | 'bounce_type' | 'delivered_at'>): boolean {
  if (row.bounced_at === null) return false;
  return row.bounce_type === 'hard' || row.delivered_at == null || row.delivered_at <= row.bounced_at;
}

export function recipientStatus(row: StatusColumns): ReplyStatus {
  if (bounceStands(row)) return 'bounced';
  if (row.spam_at !== null) return 'spam';
  if (row.rejected_at !== null) return 'rejected';
  // A later resubscribe undoes the unsubscribe (ISO-8601 UTC strings compare as times).
  if (
    row.unsubscribed_at !== null &&
    !(row.resubscribed_at != null && row.resubscribed_at > row.unsubscribed_at)
  )
    return 'unsubscribed';
  if (row.clicked_at !== null) return 'clicked';
  if (row.opened_at !== null) return 'opened';
  if (row.delivered_at !== null) return 'delivered';
  if (row.processed_at !== null) return 'processed';
  if (row.sent_at !== null || row.send_status === 'sent') return 'sent';
  if (row.send_status === 'failed') return 'failed';
  // 'ambiguous' (the API may or may not have taken it) stays pending until SMTP2Go says something.
  return 'pending';
}

/** Statuses that mean the mail reached the mailbox (an open or click implies delivery). */
const REACHED: ReadonlySet<ReplyStatus> = new Set(['clicked', 'opened', 'delivered', 'unsubscribed', 'spam']);

export interface ReplyStatusSummary {
  /** The reply's status: the highest-priority recipient status, or the reply's own when it has no recipients. */
  status: ReplyStatus;
  /** True when recipients are not all in the same status. */
  mixed: boolean;
  /** Human wording: "opened", or "delivered to 2 of 3, bounced 1" when recipients differ. */
  text: string;
}

/**
 * `unnamed` folds the events that named none of the recipients (see unnamedEventColumns): they set the
 * reply's times, so when they say more than any recipient does (a delivery naming nobody while every
 * recipient is still "sent"), the reply's status says it too instead of contradicting its delivered_at.
 */
export function summarizeReplyStatus(
  reply: StatusColumns & { transport?: string },
  recipients: readonly StatusColumns[],
  unnamed: StatusColumns | null = null,
): ReplyStatusSummary {
  if (recipients.length === 0) {
    const own = recipientStatus(reply);
    // Without recipient rows the send path's verdict lives on the reply itself.
    const status = own === 'pending' && reply.transport === 'failed' ? 'failed' : own;
    return { status, mixed: false, text: status };
  }
  const statuses = recipients.map(recipientStatus);
  const status = topStatus(statuses);
  const mixed = statuses.some((s) => s !== statuses[0]);
  const unnamedStatus = unnamed === null ? null : recipientStatus(unnamed);
  if (unnamedStatus !== null && statusRank(unnamedStatus) < statusRank(status)) {
    return {
      status: unnamedStatus,
      mixed: true,
      text: `${mixedText(statuses)}, ${unnamedStatus} (recipient not named)`,
    };
  }
  if (!mixed)
    return { status, mixed, text: recipients.length === 1 ? status : `${status} (all ${recipients.length})` };
  return { status, mixed, text: mixedText(statuses) };
}

/** The column each event type sets (as the store's tracking rules do); a Map, as the types come from input. */
const FIRST_COLUMN = new Map<string, TimeColumn>([
  ['processed', 'processed_at'],
  ['delivered', 'delivered_at'],
  ['open', 'opened_at'],
  ['click', 'clicked_at'],
  ['bounce', 'bounced_at'],
  ['spam', 'spam_at'],
  ['reject', 'rejected_at'],
  ['unsubscribe', 'unsubscribed_at'],
  ['resubscribe', 'resubscribed_at'],
]);
type TimeColumn = Exclude<keyof StatusColumns, 'bounce_type' | 'send_status'>;
const bounceRank = (type: string | null) => (type === 'hard' ? 0 : type === 'soft' ? 1 : 2);

/**
 * Events that named no recipient of the reply, folded into one row of earliest times (and the hardest,
 * then earliest, bounce kind, as the store picks it), for summarizeReplyStatus; null when there are none.
 */
export function unnamedEventColumns(
  events: ReadonlyArray<{ event_type: string; occurred_at: string; bounce_type: string | null }>,
): StatusColumns | null {
  if (events.length === 0) return null;
  const row: StatusColumns = {
    sent_at: null,
    processed_at: null,
    delivered_at: null,
    opened_at: null,
    clicked_at: null,
    bounced_at: null,
    spam_at: null,
    rejected_at: null,
    unsubscribed_at: null,
    resubscribed_at: null,
    bounce_type: null,
  };
  let bounce: { type: string | null; at: string } | null = null;
  for (const event of events) {
    const column = FIRST_COLUMN.get(event.event_type);
    if (column === undefined) continue;
    const current = row[column];
    if (current == null || event.occurred_at < current) row[column] = event.occurred_at;
    if (column !== 'bounced_at') continue;
    const rank = bounceRank(event.bounce_type);
    if (
      bounce === null ||
      rank < bounceRank(bounce.type) ||
      (rank === bounceRank(bounce.type) && event.occurred_at < bounce.at)
    ) {
      bounce = { type: event.bounce_type, at: event.occurred_at };
    }
  }
  row.bounce_type = bounce?.type ?? null;
  return row;
}

function mixedText(statuses: ReplyStatus[]): string {
  const count = (wanted: ReplyStatus) => statuses.filter((s) => s === wanted).length;
  const reached = statuses.filter((s) => REACHED.has(s)).length;
  const parts = [`delivered to ${reached} of ${statuses.length}`];
  const opened = count('opened') + count('clicked');
  if (opened > 0) parts.push(`opened by ${opened}`);
  if (count('clicked') > 0) parts.push(`clicked by ${count('clicked')}`);
  for (const status of [
    'bounced',
    'spam',
    'rejected',
    'unsubscribed',
    'failed',
    'processed',
    'sent',
    'pending',
  ] as const) {
    const n = count(status);
    if (n > 0) parts.push(`${status} ${n}`);
  }
  return parts.join(', ');
}
