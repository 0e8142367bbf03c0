import { NotFoundError } from '../core/errors.js';
import {
  recipientStatus,
  summarizeReplyStatus,
  unnamedEventColumns,
  type ReplyStatus,
} from '../core/reply-status.js';
import type { Store } from '../store/open-store.js';
import type { SendOutcome } from '../store/reply-sends.js';
import type { ReplyRow, TrackingColumns, MachineColumns } from '../store/replies.js';
import {
  selectEvents,
  selectRecipients,
  selectReply,
  type EventRow,
  type RecipientRow,
} from '../store/stats-queries.js';

/** Who tracked the copy (`smtp2go`, `first_party`, `none`), and machine hits counted apart from people's. */
interface MachineStats extends Omit<MachineColumns, 'tracker'> {
  tracker: string;
}

/** One recipient in the document: the shared tracking columns, less the ones only the reply level reports. */
export interface RecipientStats
  extends
    Pick<
      TrackingColumns,
      | 'delivered_at'
      | 'opened_at'
      | 'open_count'
      | 'clicked_at'
      | 'click_count'
      | 'bounced_at'
      | 'bounce_type'
      | 'spam_at'
      | 'rejected_at'
      | 'unsubscribed_at'
      | 'last_event_at'
      | 'last_event_type'
    >,
    MachineStats {
  email: string;
  role: string;
  status: ReplyStatus;
}

export interface ReplyEvent {
  type: string;
  at: string;
  recipient: string | null;
  url: string | null;
  detail: string | null;
  received_at: string;
  /** `webhook` (SMTP2Go), `first_party` (the portal's pixel and redirect), `replay`, `trigger`, `reconcile`. */
  source: string;
  /** First-party hits only: human, apple_proxy, image_proxy or scanner. */
  classification?: string;
  ip?: string;
}

/**
 * One reply's summary as `replies` lists it: the `stats --reply --json` fields less its clicks, recipients
 * and events (three lists of events or rows each reply would cost a query for).
 */
export interface ReplySummary
  extends
    Pick<
      TrackingColumns,
      | 'sent_at'
      | 'processed_at'
      | 'delivered_at'
      | 'opened_at'
      | 'open_count'
      | 'clicked_at'
      | 'click_count'
      | 'bounced_at'
      | 'bounce_type'
      | 'bounce_reason'
      | 'spam_at'
      | 'rejected_at'
      | 'unsubscribed_at'
    >,
    MachineStats {
  reply_id: number;
  ticket_id: number | null;
  tracking_id: string | null;
  smtp2go_email_id: string | null;
  message_id: string | null;
  transport: string;
  status: ReplyStatus;
  /** What the send path concluded; `pending` while nothing was sent (a demo reply, a send still running). */
  send_outcome: SendOutcome | 'pending';
  /** Why the send failed or is in doubt (`api: … | smtp: …`), null when it went out cleanly. */
  last_error: string | null;
  /** True once at least one SMTP2Go event has been stored for the reply. */
  has_tracking: boolean;
}

/**
 * The `stats --reply --json` document (without `version`), field for field as issue 6 fixes it; the order
 * of the fields in the output is replySummary's.
 */
export interface ReplyStatsDocument extends ReplySummary {
  clicks: Array<{ url: string | null; clicked_at: string; recipient: string | null }>;
  recipients: RecipientStats[];
  events: ReplyEvent[];
}

export interface ReplyStats {
  document: ReplyStatsDocument;
  /** "opened", or "delivered to 2 of 3, bounced 1" when the recipients differ. */
  statusText: string;
  /** True when the recipients are not all in the same status. */
  statusMixed: boolean;
  subject: string | null;
  /** The bounce type of each event in `document.events` (null for other events), for the human timeline. */
  eventBounceTypes: Array<string | null>;
  send: { outcome: string | null; fallbackReason: string | null; lastError: string | null };
}

export interface ReplyStatsOptions {
  replyId: number;
}

export function runReplyStats(options: ReplyStatsOptions, deps: { store: Store }): ReplyStats {
  const reply = selectReply(deps.store, options.replyId);
  if (reply === undefined)
    throw new NotFoundError(
      `reply ${options.replyId} not found`,
      'list replies with `replies`, and check --db or SMTP2GO_PORTAL_DB',
    );
  const recipients = selectRecipients(deps.store, reply.id);
  const events = selectEvents(deps.store, reply.id);
  const summary = summarizeReplyStatus(
    reply,
    recipients,
    unnamedEventColumns(unnamedEvents(recipients, events)),
  );
  return {
    document: replyDocument(reply, recipients, events, summary.status),
    statusText: summary.text,
    statusMixed: summary.mixed,
    subject: reply.subject,
    eventBounceTypes: events.map((e) => e.bounce_type),
    send: { outcome: reply.send_outcome, fallbackReason: reply.fallback_reason, lastError: reply.last_error },
  };
}

function replyDocument(
  reply: ReplyRow,
  recipients: RecipientRow[],
  events: EventRow[],
  status: ReplyStatus,
): ReplyStatsDocument {
  const clicks = events
    .filter((e) => e.event_type === 'click')
    .map((e) => ({ url: e.url, occurred_at: e.occurred_at, recipient: e.recipient }));
  return {
    ...(replySummary(reply, recipients, status, { clicks, hasTracking: events.length > 0 }) as ReplySummary &
      Pick<ReplyStatsDocument, 'clicks'>),
    recipients: recipients.map(recipientDocument),
    events: events.map(eventDocument),
  };
}

/**
 * A reply's summary from its row and recipients and whether it has any event; with its click events
 * (oldest first) the summary carries `clicks` too, in its place in the `stats --reply` document.
 */
export function replySummary(
  reply: ReplyRow,
  recipients: RecipientRow[],
  status: ReplyStatus,
  events: {
    clicks?: Array<{ url: string | null; occurred_at: string; recipient: string | null }>;
    hasTracking: boolean;
  },
): ReplySummary {
  // The reply's own columns are the ingest's summary; the recipients fill any gap (earliest time, summed counts).
  const first = (
    column:
      | 'processed_at'
      | 'delivered_at'
      | 'opened_at'
      | 'clicked_at'
      | 'bounced_at'
      | 'spam_at'
      | 'rejected_at'
      | 'unsubscribed_at',
  ) => reply[column] ?? earliest(recipients.map((r) => r[column]));
  const bounced =
    reply.bounced_at !== null
      ? reply
      : (recipients.filter((r) => r.bounced_at !== null).sort(byTime('bounced_at'))[0] ?? reply);
  return {
    reply_id: reply.id,
    ticket_id: reply.ticket_id,
    tracking_id: reply.email_tracking_id,
    smtp2go_email_id: reply.smtp2go_email_id,
    message_id: reply.rfc_message_id,
    transport: reply.transport,
    tracker: reply.tracker ?? 'none',
    status,
    send_outcome: (reply.send_outcome as SendOutcome | null) ?? 'pending',
    last_error: reply.last_error,
    sent_at: reply.sent_at ?? earliest(recipients.map((r) => r.sent_at)),
    processed_at: first('processed_at'),
    delivered_at: first('delivered_at'),
    opened_at: first('opened_at'),
    open_count: Math.max(reply.open_count, sum(recipients.map((r) => r.open_count))),
    clicked_at: first('clicked_at'),
    click_count: Math.max(reply.click_count, sum(recipients.map((r) => r.click_count))),
    human_opened_at: reply.human_opened_at ?? earliest(recipients.map((r) => r.human_opened_at)),
    machine_open_count: reply.machine_open_count,
    machine_click_count: reply.machine_click_count,
    ...(events.clicks === undefined
      ? {}
      : {
          clicks: events.clicks.map((c) => ({
            url: c.url,
            clicked_at: c.occurred_at,
            recipient: c.recipient,
          })),
        }),
    bounced_at: first('bounced_at'),
    bounce_type: bounced.bounce_type,
    bounce_reason: bounced.bounce_reason,
    spam_at: first('spam_at'),
    rejected_at: first('rejected_at'),
    unsubscribed_at: first('unsubscribed_at'),
    // The reply's last_event_at outlives events removed by `prune`, so an old reply still reads as tracked.
    has_tracking: events.hasTracking || reply.last_event_at !== null,
  };
}

/**
 * Events that reached none of the reply's recipient rows: they name an address the reply was not sent to,
 * or nobody on a reply to several (the store gives a sole recipient the events that name nobody).
 * `processed` lists its recipients in the payload, so it is never one.
 */
function unnamedEvents(recipients: RecipientRow[], events: EventRow[]): EventRow[] {
  const emails = new Set(recipients.map((r) => r.email));
  return events.filter(
    (e) =>
      e.event_type !== 'processed' &&
      (e.recipient === null ? recipients.length > 1 : !emails.has(e.recipient)),
  );
}

function eventDocument(e: EventRow): ReplyEvent {
  return {
    type: e.event_type,
    at: e.occurred_at,
    recipient: e.recipient,
    url: e.url,
    detail: e.detail,
    received_at: e.received_at,
    source: e.source,
    ...(e.classification === null ? {} : { classification: e.classification }),
    ...(e.ip === null ? {} : { ip: e.ip }),
  };
}

export function recipientDocument(r: RecipientRow): RecipientStats {
  return {
    email: r.email,
    role: r.role,
    status: recipientStatus(r),
    delivered_at: r.delivered_at,
    opened_at: r.opened_at,
    open_count: r.open_count,
    clicked_at: r.clicked_at,
    click_count: r.click_count,
    bounced_at: r.bounced_at,
    bounce_type: r.bounce_type,
    spam_at: r.spam_at,
    rejected_at: r.rejected_at,
    unsubscribed_at: r.unsubscribed_at,
    last_event_at: r.last_event_at,
    last_event_type: r.last_event_type,
    tracker: r.tracker ?? 'none',
    human_opened_at: r.human_opened_at,
    machine_open_count: r.machine_open_count,
    machine_click_count: r.machine_click_count,
  };
}

function earliest(times: Array<string | null>): string | null {
  let best: string | null = null;
  for (const time of times) if (time !== null && (best === null || time < best)) best = time;
  return best;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function byTime<K extends string>(column: K) {
  return (a: Record<K, string | null>, b: Record<K, string | null>) =>
    (a[column] ?? '') < (b[column] ?? '') ? -1 : 1;
}
