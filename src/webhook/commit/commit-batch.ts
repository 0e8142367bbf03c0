import type { EventSource, IncomingEvent } from '../../core/tracking-event.js';
import { ingestJobsInTransaction, type IngestResult } from '../../store/ingest-events.js';
import { storeDialect, type Store } from '../../store/open-store.js';
import { notifyEventsCommitted } from '../../store/postgres/events-channel.js';
import { storeErrorKind } from '../../store/store-errors.js';

export type IngestEventsFn = (
  db: Store,
  incoming: IncomingEvent[],
  options: { receivedAt: Date; source: EventSource },
) => IngestResult;

export interface BatchJob {
  incoming: IncomingEvent[];
  receivedAt: Date;
}

/** A request waiting in a committer's queue: its events, and how to answer it once its batch is done. */
export interface QueuedJob extends BatchJob {
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

export type JobOutcome = { ok: true; result: IngestResult } | { ok: false; error: unknown };

/** What the listener commits through, whichever side of a thread the commits run on. */
export interface GroupCommitter {
  /** Resolves only after the transaction holding these events has committed (synchronous=FULL: on disk). */
  submit(incoming: IncomingEvent[], receivedAt: Date): Promise<IngestResult>;
  /** Commits whatever is waiting, then releases what the committer holds. */
  close(): Promise<void>;
  /**
   * Why the last batch failed when it failed for the store itself (full, read-only, corrupt, replaced,
   * the commit thread gone), until a batch commits again; null otherwise, and after a lock timeout.
   */
  failure(): string | null;
}

/**
 * The batching defaults of both committers. No window: under load, requests gather into the next batch by
 * themselves while the previous one commits, so waiting for company would only add latency at low load.
 */
export const COMMIT_DEFAULTS = { windowMs: 0, maxBatch: 512 } as const;

/** Answers each request of a committed batch with its own outcome (outcomes in the batch's order). */
export function answerJobs(jobs: QueuedJob[], outcomes: JobOutcome[]): void {
  jobs.forEach((job, index) => {
    const outcome = outcomes[index]!;
    if (outcome.ok) job.resolve(outcome.result);
    else job.reject(outcome.error);
  });
}

/** Fails every request of a batch that did not commit with the same error. */
export function failJobs(jobs: QueuedJob[], error: unknown): void {
  for (const job of jobs) job.reject(error);
}

// A batch PostgreSQL rolled back to break a deadlock or a serialization conflict is run again, this many
// times at most; then it fails like a busy store (503, and SMTP2Go retries later).
const CONFLICT_RETRIES = 3;

/**
 * One transaction for a batch of requests, each its own savepoint (ingestEvents' own transaction nests),
 * so a request that fails on its own content rolls back alone. Throws, committing nothing, when the store
 * itself fails; the caller answers every request of the batch 503.
 *
 * With `inTransaction` (ingest minus its own transaction) the batch first runs without the savepoints,
 * which cost a statement pair per request and a copy of every page it touches; only if some request
 * fails is that attempt rolled back whole and the batch run again the careful way, so the outcome is
 * the same as if it had been careful from the start.
 */
export function createBatchCommit(
  store: Store,
  ingest: IngestEventsFn,
  source: EventSource,
  inTransaction?: IngestEventsFn,
): (jobs: BatchJob[]) => JobOutcome[] {
  function runJob(job: BatchJob): JobOutcome {
    try {
      return { ok: true, result: ingest(store, job.incoming, { receivedAt: job.receivedAt, source }) };
    } catch (error) {
      // SQLite may already have rolled the whole transaction back (disk full, I/O error): never commit after that.
      if (isStoreFailure(error) || !store.inTransaction) throw error;
      return { ok: false, error };
    }
  }
  // Built once: better-sqlite3 wraps the function in BEGIN IMMEDIATE … COMMIT on every call.
  const careful = store.transaction((jobs: BatchJob[]): JobOutcome[] => jobs.map(runJob));
  if (inTransaction === undefined) return (jobs) => careful.immediate(jobs);
  if (storeDialect(store) === 'postgres') return createPostgresBatchCommit(store, source, careful);
  // The error a request raised on its own content, as opposed to BEGIN, COMMIT or a closed store.
  let requestError: unknown = null;
  const quick = store.transaction((jobs: BatchJob[]): JobOutcome[] =>
    jobs.map((job): JobOutcome => {
      try {
        return {
          ok: true,
          result: inTransaction(store, job.incoming, { receivedAt: job.receivedAt, source }),
        };
      } catch (error) {
        if (!isStoreFailure(error) && store.inTransaction) requestError = error;
        throw error;
      }
    }),
  );
  return (jobs) => {
    requestError = null;
    try {
      return quick.immediate(jobs);
    } catch (error) {
      if (requestError === null || requestError !== error) throw error;
      // Rolled back whole: nothing of this attempt is in the store. A request alone fails alone.
      if (jobs.length === 1) return [{ ok: false, error }];
      return careful.immediate(jobs);
    }
  };
}

/**
 * PostgreSQL: several listeners commit at once, so a batch writes in key order (ingestJobsInTransaction:
 * events by dedupe key, then replies by id), which keeps two batches from taking the same rows' locks in
 * opposite orders; a conflict PostgreSQL still reports (40P01, 40001) reruns the batch. The listener's
 * dashboards wake on one NOTIFY per committed batch. If a request fails on its own content, the batch is
 * run again request by request, as on SQLite.
 */
function createPostgresBatchCommit(
  store: Store,
  source: EventSource,
  careful: ReturnType<Store['transaction']>,
): (jobs: BatchJob[]) => JobOutcome[] {
  let requestError: unknown = null;
  const quick = store.transaction((jobs: BatchJob[]): JobOutcome[] => {
    try {
      const results = ingestJobsInTransaction(store, jobs, source);
      if (results.some((result) => result.stored > 0)) notifyEventsCommitted(store);
      return results.map((result) => ({ ok: true, result }));
    } catch (error) {
      if (!isStoreFailure(error)) requestError = error;
      throw error;
    }
  });
  return (jobs) => {
    for (let attempt = 0; ; attempt += 1) {
      requestError = null;
      try {
        return quick(jobs);
      } catch (error) {
        if (storeErrorKind(error) === 'conflict' && attempt < CONFLICT_RETRIES) continue;
        if (requestError === null || requestError !== error) throw error;
        if (jobs.length === 1) return [{ ok: false, error }];
        const outcomes = careful(jobs) as JobOutcome[];
        notifyEventsCommitted(store);
        return outcomes;
      }
    }
  };
}

function isStoreFailure(error: unknown): boolean {
  return storeErrorKind(error) !== null;
}

/**
 * A lock held too long by another writer (or a conflict that did not clear): the store is busy, not
 * broken, and the next commit may well work, so it does not make the listener unhealthy. Looks through
 * StoreUnavailableError to its cause.
 */
export function isStoreBusy(error: unknown): boolean {
  const cause = error instanceof StoreUnavailableError ? error.cause : error;
  const kind = storeErrorKind(cause);
  return kind === 'busy' || kind === 'conflict';
}

/** The store's server went away (PostgreSQL: restart, failover, a cut connection): it may come back by itself. */
export function isConnectionLost(error: unknown): boolean {
  const cause = error instanceof StoreUnavailableError ? error.cause : error;
  return (cause as { connectionLost?: unknown } | null)?.connectionLost === true;
}

/** The store could not commit (locked too long, disk full, read-only, corrupt, closed): answer 503 so SMTP2Go retries. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the store could not commit: ${describeError(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
