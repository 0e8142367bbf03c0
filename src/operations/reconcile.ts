import type { Settings } from '../core/settings.js';
import type { EventSource, IncomingEvent, TrackingEvent } from '../core/tracking-event.js';
import {
  searchActivity,
  activityLimiter,
  type ActivityClock,
  type ActivityEvent,
} from '../smtp2go/activity-api.js';
import { activityToWebhookFields } from '../smtp2go/activity-events.js';
import type { ApiConnection } from '../smtp2go/api-connection.js';
import { TRACKING_HEADER } from '../smtp2go/portal-webhook.js';
import {
  eventsAfter,
  findIncompleteReplies,
  hasMatchingEvent,
  maxEventId,
  type StoredEventSummary,
} from '../store/reconcile-candidates.js';
import type { Store } from '../store/open-store.js';
import { getReply, type ReplyRow } from '../store/replies.js';
import { NotFoundError, UsageError } from '../core/errors.js';
import { apiConnection } from './webhook-register.js';

/** The listener's normaliser (src/core/normalize-event.ts): webhook fields in, TrackingEvent out. */
export type NormalizeEvent = (fields: Record<string, string | string[]>, receivedAt: Date) => TrackingEvent;
/** The listener's storing code (src/store/ingest-events.ts): dedupes, stores, updates the reply's story. */
export type IngestEvents = (
  db: Store,
  incoming: IncomingEvent[],
  options: { receivedAt: Date; source: EventSource },
) => unknown;

export interface ReconcileOptions {
  since: Date;
  replyId?: number;
  dryRun: boolean;
}

export interface ReconcileDeps {
  store: Store;
  settings: Settings;
  now: () => Date;
  normalize: NormalizeEvent;
  ingest: IngestEvents;
  connection?: Partial<ApiConnection>;
  clock?: Partial<ActivityClock>;
  onProgress?: (event: { replyId: number; index: number; total: number }) => void;
}

export interface ReconciledReply {
  replyId: number;
  emailId: string;
  /** Events SMTP2Go's activity log has for this email. */
  fetched: number;
  /** Events that were missing from the store and are now stored (or would be, with --dry-run). */
  filled: StoredEventSummary[];
  error: string | null;
}

export interface ReconcileResult {
  since: string;
  until: string;
  dryRun: boolean;
  replies: ReconciledReply[];
  requests: number;
  retries: number;
}

/**
 * For replies whose story is incomplete, fetches their events from /activity/search and applies the
 * missing ones through the listener's own normaliser and storing code (source `reconcile`), so a
 * listener outage longer than SMTP2Go's 48 h of retries can be repaired. One reply's failure is reported
 * and the run goes on; with `dryRun` everything is applied inside a transaction that is rolled back.
 */
export async function runReconcile(options: ReconcileOptions, deps: ReconcileDeps): Promise<ReconcileResult> {
  const until = deps.now();
  if (options.since.getTime() > until.getTime()) throw new UsageError('--since is in the future');
  const replies = selectReplies(deps.store, options, until);
  const connection = apiConnection(deps.settings, deps.connection);
  const limiter = activityLimiter(deps.clock);
  const result: ReconcileResult = {
    since: options.since.toISOString(),
    until: until.toISOString(),
    dryRun: options.dryRun,
    replies: [],
    requests: 0,
    retries: 0,
  };
  for (const [index, reply] of replies.entries()) {
    deps.onProgress?.({ replyId: reply.id, index, total: replies.length });
    const emailId = reply.smtp2go_email_id as string;
    try {
      const rows = await searchActivity(
        connection,
        {
          emailId,
          startDate: activityStart(reply),
          endDate: until.toISOString(),
          customHeaders: [TRACKING_HEADER],
        },
        {
          limiter,
          ...(deps.clock === undefined ? {} : { clock: deps.clock }),
          onRequest: (report) => ((result.requests += 1), report.retryInMs !== null && (result.retries += 1)),
        },
      );
      const filled = apply(
        deps,
        rows.filter((row) => row.emailId === null || row.emailId === emailId),
        until,
        options.dryRun,
      );
      result.replies.push({ replyId: reply.id, emailId, fetched: rows.length, filled, error: null });
    } catch (error) {
      result.replies.push({
        replyId: reply.id,
        emailId,
        fetched: 0,
        filled: [],
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return result;
}

function selectReplies(store: Store, options: ReconcileOptions, until: Date): ReplyRow[] {
  if (options.replyId === undefined)
    return findIncompleteReplies(store, options.since.toISOString(), until.toISOString());
  const reply = getReply(store, options.replyId);
  if (reply === undefined) throw new NotFoundError(`reply ${options.replyId} does not exist`);
  if (reply.smtp2go_email_id === null || reply.smtp2go_email_id === '') {
    throw new NotFoundError(
      `reply ${options.replyId} has no SMTP2Go email id (it was not accepted by the API)`,
      'only replies sent through the SMTP2Go API can be reconciled',
    );
  }
  return [reply];
}

// A minute of slack: SMTP2Go stamps `processed` when it receives the mail, which can precede our sent_at.
function activityStart(reply: ReplyRow): string {
  return new Date(Date.parse(reply.sent_at ?? reply.created_at) - 60_000)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

class DryRunRollback extends Error {}

/** Normalises, drops what the store already has (from webhooks too), ingests the rest; returns what was new. */
function apply(
  deps: ReconcileDeps,
  rows: ActivityEvent[],
  receivedAt: Date,
  dryRun: boolean,
): StoredEventSummary[] {
  const incoming: IncomingEvent[] = [];
  for (const row of rows) {
    const fields = activityToWebhookFields(row);
    const event = deps.normalize(fields, receivedAt);
    if (
      hasMatchingEvent(deps.store, {
        emailId: event.emailId,
        type: event.type,
        recipient: event.recipient,
        occurredAt: event.occurredAt,
        url: event.url,
      })
    )
      continue;
    // Stored as a webhook-shaped JSON body, so `webhook replay --from-store` can resend it to a listener.
    incoming.push({ event, rawBody: JSON.stringify(fields), contentType: 'application/json' });
  }
  if (incoming.length === 0) return [];
  let filled: StoredEventSummary[] = [];
  const run = deps.store.transaction(() => {
    const before = maxEventId(deps.store);
    deps.ingest(deps.store, incoming, { receivedAt, source: 'reconcile' });
    filled = eventsAfter(deps.store, before);
    if (dryRun) throw new DryRunRollback();
  });
  try {
    run.immediate();
  } catch (error) {
    if (!(error instanceof DryRunRollback)) throw error;
  }
  return filled;
}
