import { storeDialect, type Store } from './open-store.js';
import { statementCache } from './statement-cache.js';

/** An event old enough to prune, as the scan found it. */
export interface PruneCandidate {
  id: number;
  event_type: string;
  occurred_at: string;
  /** Raw body and normalised payload, in characters: roughly what deleting the row frees. */
  bytes: number;
}

const statements = statementCache((db) => ({
  maxId: db.prepare('SELECT COALESCE(MAX(id), 0) FROM email_tracking_events').pluck(),
  // A rowid range bounds how many rows one scan reads: there is no index on occurred_at (every index
  // costs each webhook's insert), so a scan must never walk the whole table in one go.
  scan: db.prepare(
    `SELECT id, event_type, occurred_at, length(raw_body) + length(payload) AS bytes FROM email_tracking_events
      WHERE id > @after AND id <= @upto AND occurred_at < @cutoff ORDER BY id LIMIT @limit`,
  ),
  // The time is checked again: the row is deleted only if it is still the old event the scan saw.
  remove: db.prepare('DELETE FROM email_tracking_events WHERE id = ? AND occurred_at < ?'),
  // PostgreSQL: the whole batch in one statement, since each statement is a round trip to the server.
  removeBatch:
    storeDialect(db) === 'postgres'
      ? db
          .prepare(
            `DELETE FROM email_tracking_events
            WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text(?::jsonb)) AND occurred_at < ?
          RETURNING id`,
          )
          .pluck()
      : null,
}));

/** The highest event id now: a prune walks ids up to it (events stored later are newer than any window). */
export function maxEventId(db: Store): number {
  return statements(db).maxId.get() as number;
}

/** Up to `limit` events with ids in (after, upto] whose event time (else receipt time) is before `cutoff`; a read, no lock. */
export function scanPruneCandidates(
  db: Store,
  range: { after: number; upto: number },
  cutoff: string,
  limit: number,
): PruneCandidate[] {
  return statements(db).scan.all({ ...range, cutoff, limit }) as PruneCandidate[];
}

/**
 * Deletes the given events in one short write transaction; returns those actually deleted and how long the
 * write lock was held (from BEGIN IMMEDIATE granted to COMMIT done), which is what the listener waits. Only the
 * event rows go: replies and recipients keep their tracking columns (first times, counts, status), which
 * tracking-effects.ts maintains incrementally as each event arrives rather than recomputing from events.
 */
export function deletePruneCandidates(
  db: Store,
  candidates: PruneCandidate[],
  cutoff: string,
  clock: () => number = () => performance.now(),
): { deleted: PruneCandidate[]; heldMs: number } {
  if (storeDialect(db) === 'postgres') return deleteOnPostgres(db, candidates, cutoff, clock);
  const { remove } = statements(db);
  // A deletion need not survive power loss (the next prune deletes the row again), so its commit skips
  // the fsync that would otherwise be most of the time the listener waits. The listener's own commits stay
  // FULL, and their fsync of the WAL covers these frames too; WAL mode stays consistent either way.
  // SQLite's automatic checkpoint would run inside COMMIT's call (after the lock is released, but in the
  // time measured here): it is off for the batch, and checkpointAfterPrune runs it explicitly.
  const synchronous = db.pragma('synchronous', { simple: true }) as number;
  const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 0');
  try {
    let locked = 0;
    const deleted = db
      .transaction(() => {
        locked = clock();
        return candidates.filter((candidate) => remove.run(candidate.id, cutoff).changes === 1);
      })
      .immediate();
    return { deleted, heldMs: clock() - locked };
  } finally {
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
  }
}

/**
 * PostgreSQL locks only the rows it deletes, so the listener never waits on a batch unless it writes one of
 * these old events; the time measured is the one statement, a transaction of its own. Durability and
 * checkpoints are the server's, not a connection's to change.
 */
function deleteOnPostgres(
  db: Store,
  candidates: PruneCandidate[],
  cutoff: string,
  clock: () => number,
): { deleted: PruneCandidate[]; heldMs: number } {
  const removeBatch = statements(db).removeBatch!;
  const locked = clock();
  const ids = new Set(removeBatch.all(JSON.stringify(candidates.map(({ id }) => id)), cutoff) as number[]);
  const heldMs = clock() - locked;
  return { deleted: candidates.filter((candidate) => ids.has(candidate.id)), heldMs };
}

/**
 * Copies the batch's pages from the WAL into the database, so a long prune never grows the WAL without
 * bound. Passive: it takes no write lock and never waits for the listener's readers or writers.
 */
export function checkpointAfterPrune(db: Store): void {
  if (storeDialect(db) === 'postgres') return;
  db.pragma('wal_checkpoint(PASSIVE)');
}
