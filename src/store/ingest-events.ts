import { hash } from 'node:crypto';
import { canonicalKey } from '../core/normalize-event.js';
import type { EventSource, IncomingEvent, TrackingEvent } from '../core/tracking-event.js';
import { bracketed, eventEmailId, findReplyByIds } from './correlate-event.js';
import { storeDialect, type Store } from './open-store.js';
import { statementCache } from './statement-cache.js';
import { applyTrackingEffects } from './tracking-effects.js';
import { linkOrphanEvents } from './link-orphans.js';

export interface IngestOptions {
  receivedAt: Date;
  source: EventSource;
}

export interface IngestedEvent {
  type: string;
  replyId: number | null;
  recipient: string | null;
  duplicate: boolean;
  /** Its notification id was already held by a different event (type, recipient or email): stored apart. */
  conflict: boolean;
  /** The stored row's id; for a duplicate, the row that already held it. */
  eventId: number | null;
}

export interface IngestResult {
  stored: number;
  duplicates: number;
  unlinked: number;
  /** Events whose notification id another event already held (each also counted as stored or duplicate). */
  conflicts: number;
  results: IngestedEvent[];
}

/**
 * The id-less copy of an event that has a notification id: events_idless_content holds only id-less rows,
 * so a content shared by thousands of notifications is still one index probe (migration 5).
 */
export const IDLESS_COPY_PROBE =
  'SELECT id, reply_id FROM email_tracking_events WHERE content_key = ? AND notification_id IS NULL LIMIT 1';

interface StoredMatch {
  id: number;
  reply_id: number | null;
}

interface KeyedRow extends StoredMatch {
  event_type: string;
  recipient: string | null;
  smtp2go_email_id: string | null;
}

const INSERT_COLUMNS = `INSERT INTO email_tracking_events (dedupe_key, content_key, notification_id, reply_id, smtp2go_email_id, tracking_id,
       message_id, event_type, raw_type, recipient, url, user_agent, ip, bounce_type, detail, occurred_at, time_source,
       received_at, source, content_type, raw_body, payload, classification)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const statements = statementCache((db) => {
  const postgres = storeDialect(db) === 'postgres';
  return {
    postgres,
    byKey: db.prepare(
      'SELECT id, reply_id, event_type, recipient, smtp2go_email_id FROM email_tracking_events WHERE dedupe_key = ?',
    ),
    // Events without a notification id (reconcile, trigger, some relays) match any stored event by content.
    // The content key hashes the email id, so the email id narrows nothing away and lets the probe use
    // events_email_content (one index per event instead of two).
    anyCopy: db.prepare(
      `SELECT id, reply_id FROM email_tracking_events WHERE smtp2go_email_id ${postgres ? 'IS NOT DISTINCT FROM' : 'IS'} ? AND content_key = ? LIMIT 1`,
    ),
    idlessCopy: db.prepare(IDLESS_COPY_PROBE),
    // PostgreSQL: each statement is a round trip (through the bridge thread to the server and back), so the
    // notification's key and its id-less copy are probed together; the copy counts only if the key is free.
    keyOrCopy: postgres
      ? db.prepare(
          `SELECT id, reply_id, event_type, recipient, smtp2go_email_id, 1 AS by_key
             FROM email_tracking_events WHERE dedupe_key = ?
           UNION ALL
           (SELECT id, reply_id, NULL, NULL, NULL, 0 FROM email_tracking_events
             WHERE content_key = ? AND notification_id IS NULL LIMIT 1)`,
        )
      : null,
    claim: db.prepare(
      `UPDATE email_tracking_events SET notification_id = @notification_id, dedupe_key = @dedupe_key
       WHERE id = @id AND notification_id IS NULL`,
    ),
    // Pinned on SQLite: left to itself the planner takes events_email_content and walks every event of the email.
    hasOrphans: db
      .prepare(
        `SELECT 1 FROM email_tracking_events ${postgres ? '' : 'INDEXED BY events_unlinked_email'} WHERE smtp2go_email_id = ? AND reply_id IS NULL LIMIT 1`,
      )
      .pluck(),
    // PostgreSQL: the same probe for every email of a batch at once (one round trip instead of one per event).
    orphanEmails: postgres
      ? db
          .prepare(
            'SELECT DISTINCT smtp2go_email_id FROM email_tracking_events WHERE smtp2go_email_id = ANY(?::text[]) AND reply_id IS NULL',
          )
          .pluck()
      : null,
    // Positional on the hot path: binding 22 values by name costs a few µs per event more than by position.
    // On PostgreSQL another listener may be inserting the same notification at this moment: the unique
    // dedupe_key makes this insert wait for that one's commit and then do nothing (no row returned), and the
    // event is a duplicate of the row that listener stored. SQLite has one writer at a time.
    insert: db.prepare(
      postgres ? `${INSERT_COLUMNS} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id` : INSERT_COLUMNS,
    ),
    // PostgreSQL only (see applyEffects); the lock the UPDATE would take, so events' foreign keys pass.
    lockReply: postgres
      ? db.prepare('SELECT id FROM ticket_replies WHERE id = ? FOR NO KEY UPDATE').pluck()
      : undefined,
  };
});

/**
 * Stores events exactly once and updates each reply's tracking story, all in one transaction: either
 * every event of the request is on disk or none is (the caller answers 2xx only after this returns).
 * Called inside an outer transaction (the listener's group commit) it becomes a savepoint.
 */
export function ingestEvents(db: Store, incoming: IncomingEvent[], options: IngestOptions): IngestResult {
  return ingestTransaction(db).immediate(incoming, options);
}

/**
 * ingestEvents without a transaction of its own, for a caller that already holds one and rolls it all
 * back if this throws (the listener's group commit, whose batches then retry one savepoint per request).
 */
export function ingestEventsInTransaction(
  db: Store,
  incoming: IncomingEvent[],
  options: IngestOptions,
): IngestResult {
  return tally(incoming.map((item) => ingestOne(db, item, options)));
}

function tally(results: IngestedEvent[]): IngestResult {
  const result: IngestResult = { stored: 0, duplicates: 0, unlinked: 0, conflicts: 0, results };
  for (const outcome of results) {
    if (outcome.conflict) result.conflicts += 1;
    if (outcome.duplicate) result.duplicates += 1;
    else {
      result.stored += 1;
      if (outcome.replyId === null) result.unlinked += 1;
    }
  }
  return result;
}

/** A stored event whose effects on its reply are still to be applied (PostgreSQL's second phase). */
interface PendingEffects {
  replyId: number;
  event: TrackingEvent;
  emailId: string | null;
}

/**
 * A whole batch of requests in the caller's transaction, the PostgreSQL way: first every event, in
 * dedupe-key order, then the replies' stories, in reply-id order. Two listeners' batches then take the
 * locks they share (a unique key being inserted, a reply row being updated) in the same order, so one
 * waits for the other instead of deadlocking. The outcome is what ingestEventsInTransaction would give
 * request by request: same-key events keep their order, and every tracking rule is order-independent.
 */
export function ingestJobsInTransaction(
  db: Store,
  jobs: Array<{ incoming: IncomingEvent[]; receivedAt: Date }>,
  source: EventSource,
): IngestResult[] {
  const items = jobs.flatMap((job, jobIndex) =>
    job.incoming.map((item, index) => ({ item, jobIndex, index, identity: identify(item.event) })),
  );
  const keyOf = (entry: (typeof items)[number]) => entry.identity.keys.dedupeKey;
  items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  const outcomes = jobs.map((job) => new Array<IngestedEvent>(job.incoming.length));
  const pending: PendingEffects[] = [];
  for (const { item, jobIndex, index, identity } of items) {
    const options = { receivedAt: jobs[jobIndex]!.receivedAt, source };
    outcomes[jobIndex]![index] = ingestOne(db, item, options, pending, identity);
  }
  pending.sort((a, b) => a.replyId - b.replyId);
  // Probed once, after every insert of the batch: applying effects and linking only ever take orphans away,
  // so an email without orphans now has none when its turn comes (one that had them may have none left by
  // then, and linking finds nothing to do).
  const orphaned = orphanedEmails(db, pending);
  for (const effects of pending) applyEffects(db, effects, orphaned);
  return outcomes.map(tally);
}

function orphanedEmails(db: Store, pending: PendingEffects[]): Set<string> | undefined {
  const probe = statements(db).orphanEmails;
  if (probe === null) return undefined;
  const emails = [...new Set(pending.flatMap(({ emailId }) => (emailId === null ? [] : [emailId])))];
  return new Set(emails.length === 0 ? [] : (probe.all(emails) as string[]));
}

function applyEffects(db: Store, { replyId, event, emailId }: PendingEffects, orphaned?: Set<string>): void {
  // A bounce's story is worked out from all the reply's stored bounces (the hardest, the earliest). On
  // PostgreSQL an UPDATE that waits for another listener's lock on the reply still reads the events as
  // they were when it started, without the bounce that listener has just committed, and overwrites its
  // result. Taking the reply's lock first, in a statement of its own, makes the UPDATE start after that
  // commit and see it (READ COMMITTED: a fresh snapshot per statement).
  const sql = statements(db);
  if (event.type === 'bounce') sql.lockReply?.get(replyId);
  applyTrackingEffects(db, replyId, event);
  if (emailId === null) return;
  // Self-healing: if the send's own linking never ran (crash, older binary), the next event links the rest.
  const hasOrphans =
    orphaned === undefined ? sql.hasOrphans.get(emailId) !== undefined : orphaned.has(emailId);
  if (hasOrphans) linkOrphanEvents(db, replyId);
}

// Built once per connection: wrapping a fresh db.transaction() per request was ~7% of the listener's work.
const ingestTransaction = statementCache((db) =>
  db.transaction((incoming: IncomingEvent[], options: IngestOptions): IngestResult =>
    ingestEventsInTransaction(db, incoming, options),
  ),
);

function ingestOne(
  db: Store,
  { event, rawBody, contentType, source }: IncomingEvent,
  options: IngestOptions,
  deferEffects?: PendingEffects[],
  // Worked out once (by a batch that sorts by them, or here): the dedupe keys, the lookups and the row all use them.
  { emailId, keys }: Identity = identify(event),
): IngestedEvent {
  const sql = statements(db);
  let dedupeKey = keys.dedupeKey;
  const probed =
    sql.keyOrCopy !== null && event.notificationId !== null
      ? (sql.keyOrCopy.all(dedupeKey, keys.contentKey) as Array<KeyedRow & { by_key: number }>)
      : null;
  let existing: StoredMatch | undefined =
    probed === null
      ? (sql.byKey.get(dedupeKey) as KeyedRow | undefined)
      : probed.find((row) => row.by_key === 1);
  let conflict = false;
  // A retry repeats its notification id with the same event. The same id on a different event (a sender
  // that reuses ids) is not a retry: that event gets a key of its own, so its retries find it in turn.
  if (
    existing !== undefined &&
    event.notificationId !== null &&
    !sameEvent(existing as KeyedRow, event, emailId)
  ) {
    conflict = true;
    dedupeKey = conflictKey(event, emailId);
    existing = sql.byKey.get(dedupeKey) as KeyedRow | undefined;
  }
  if (existing === undefined && event.notificationId === null)
    existing = sql.anyCopy.get(emailId, keys.contentKey) as StoredMatch | undefined;
  else if (existing === undefined) {
    // An id-less copy (reconcile, trigger) stored first is this notification: it takes the id, so a second,
    // distinct notification with the same content is stored instead of being swallowed by the copy. On
    // PostgreSQL another listener may claim the copy for its notification while this one waits for the
    // row: no row changes, and this notification is that second one.
    const copy = (
      probed === null ? sql.idlessCopy.get(keys.contentKey) : probed.find((row) => row.by_key === 0)
    ) as StoredMatch | undefined;
    const claim = { id: copy?.id, notification_id: event.notificationId, dedupe_key: dedupeKey };
    if (copy !== undefined && sql.claim.run(claim).changes > 0) existing = copy;
  }
  if (existing !== undefined) {
    return {
      type: event.type,
      replyId: existing.reply_id,
      recipient: event.recipient,
      duplicate: true,
      conflict,
      eventId: existing.id,
    };
  }
  const messageId = bracketed(event.messageId);
  const replyId = findReplyByIds(db, emailId, event.trackingId, messageId) ?? null;
  const values = [
    dedupeKey,
    keys.contentKey,
    event.notificationId,
    replyId,
    emailId,
    event.trackingId,
    messageId,
    event.type,
    event.rawType,
    event.recipient,
    event.url,
    event.userAgent,
    event.ip,
    event.bounceType,
    event.detail,
    event.occurredAt,
    event.timeSource,
    options.receivedAt.toISOString(),
    source ?? options.source,
    contentType,
    rawBody,
    JSON.stringify(event.fields),
    event.classification ?? null,
  ];
  let eventId: number;
  if (!sql.postgres) eventId = Number(sql.insert.run(...values).lastInsertRowid);
  else {
    let inserted = sql.insert.get(...values) as { id: number } | undefined;
    let held = inserted === undefined ? (sql.byKey.get(dedupeKey) as KeyedRow) : undefined;
    // Another listener committed an event under this key first (the insert waited for it). If it is
    // another event that reused the notification id, this one gets its own key, as it would have had
    // that event been stored before this batch looked.
    if (
      held !== undefined &&
      !conflict &&
      event.notificationId !== null &&
      !sameEvent(held, event, emailId)
    ) {
      conflict = true;
      dedupeKey = conflictKey(event, emailId);
      values[0] = dedupeKey;
      inserted = sql.insert.get(...values) as { id: number } | undefined;
      held = inserted === undefined ? (sql.byKey.get(dedupeKey) as KeyedRow) : undefined;
    }
    if (held !== undefined) {
      // The same event: the same answer as a retry finding it.
      return {
        type: event.type,
        replyId: held.reply_id,
        recipient: event.recipient,
        duplicate: true,
        conflict,
        eventId: held.id,
      };
    }
    eventId = inserted!.id;
  }
  if (replyId !== null) {
    const effects = { replyId, event, emailId };
    if (deferEffects === undefined) applyEffects(db, effects);
    else deferEffects.push(effects);
  }
  return {
    type: event.type,
    replyId,
    recipient: event.recipient,
    duplicate: false,
    conflict,
    eventId,
  };
}

interface Identity {
  emailId: string | null;
  keys: { dedupeKey: string; contentKey: string };
}

function identify(event: TrackingEvent): Identity {
  const emailId = eventEmailId(event);
  return { emailId, keys: dedupeKeys(event, emailId) };
}

function sameEvent(row: KeyedRow, event: TrackingEvent, emailId: string | null): boolean {
  return (
    row.event_type === event.type && row.recipient === event.recipient && row.smtp2go_email_id === emailId
  );
}

/** The key of an event whose notification id another event holds: the id and what makes this event itself. */
function conflictKey(event: TrackingEvent, emailId: string | null): string {
  return `x:${hash('sha256', JSON.stringify([event.notificationId, emailId, event.type, event.recipient]), 'hex')}`;
}

/**
 * `dedupe_key` is SMTP2Go's notification id (repeated on each retry) when present, else the content key
 * (an event whose id another event already holds is keyed by conflictKey instead).
 * The content key hashes what makes an event itself: email, type, recipient, time and URL; without an
 * event time (receipt time stands in, which differs on each retry) it hashes all the fields instead.
 */
function dedupeKeys(
  event: TrackingEvent,
  emailId = eventEmailId(event),
): { dedupeKey: string; contentKey: string } {
  const identity =
    event.timeSource === 'event'
      ? [emailId, event.type, event.recipient, event.occurredAt, event.url]
      : [emailId, event.type, event.recipient, canonicalFields(event.fields)];
  // One-shot hash: no Hash object per event (the same digest as createHash().update().digest()).
  const contentKey = `c:${hash('sha256', JSON.stringify(identity), 'hex')}`;
  return { dedupeKey: event.notificationId === null ? contentKey : `n:${event.notificationId}`, contentKey };
}

function canonicalFields(fields: TrackingEvent['fields']): string {
  const entries = Object.entries(fields).map(
    ([key, value]) => [canonicalKey(key), Array.isArray(value) ? [...value].sort() : [value]] as const,
  );
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export { linkOrphanEvents };
