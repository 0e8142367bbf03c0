import type { EventSource, IncomingEvent } from '../core/tracking-event.js';
import type { Store } from '../store/open-store.js';
import type { IngestResult } from '../store/ingest-events.js';

export type IngestEventsFn = (db: Store, incoming: IncomingEvent[], options: { receivedAt: Date; source: EventSource }) => IngestResult;

/** The store could not commit (locked too long, disk full, read-only, corrupt, closed): answer 503 so SMTP2Go retries. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the store could not commit: ${describe(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

export interface GroupCommitOptions {
  ingest: IngestEventsFn;
  /** How long the first request of a batch waits for company; 0 means the next turn of the event loop. */
  windowMs?: number;
  /** A batch this large commits at once without waiting for the window. */
  maxBatch?: number;
  source?: EventSource;
}

export interface GroupCommitter {
  /** Resolves only after the transaction holding these events has committed (synchronous=FULL: on disk). */
  submit(incoming: IncomingEvent[], receivedAt: Date): Promise<IngestResult>;
  /** Commits whatever is waiting now (used when closing). */
  flush(): void;
}

interface Job {
  incoming: IncomingEvent[];
  receivedAt: Date;
  resolve: (result: IngestResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; result: IngestResult } | { ok: false; error: unknown };

// Failures of the database itself, as opposed to one bad event: they doom the whole batch.
const STORE_FAILURE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN|NOMEM|PROTOCOL|PERM)/;

/**
 * Group commit: requests that arrive within a millisecond or two share one transaction (one fsync), and
 * each is answered only after that commit. Each request is its own savepoint inside the batch, so one
 * request that fails on its own content rolls back alone; a failure of the store fails the whole batch.
 */
export function createGroupCommitter(store: Store, options: GroupCommitOptions): GroupCommitter {
  const { ingest, windowMs = 1, maxBatch = 256, source = 'webhook' } = options;
  let pending: Job[] = [];
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  function cancelTimer(): void {
    if (timer === undefined) return;
    if (windowMs > 0) clearTimeout(timer as NodeJS.Timeout);
    else clearImmediate(timer as NodeJS.Immediate);
    timer = undefined;
  }

  function flush(): void {
    cancelTimer();
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = commitBatch.immediate(batch);
    } catch (error) {
      const failure = new StoreUnavailableError(error);
      for (const job of batch) job.reject(failure);
      return;
    }
    batch.forEach((job, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) job.resolve(outcome.result);
      else job.reject(outcome.error);
    });
  }

  // Built once: better-sqlite3 wraps the function in BEGIN IMMEDIATE … COMMIT on every call.
  const commitBatch = store.transaction((batch: Job[]): Outcome[] => batch.map((job) => runJob(job)));

  function runJob(job: Job): Outcome {
    try {
      return { ok: true, result: ingest(store, job.incoming, { receivedAt: job.receivedAt, source }) };
    } catch (error) {
      // SQLite may already have rolled the whole transaction back (disk full, I/O error): never commit after that.
      if (isStoreFailure(error) || !store.inTransaction) throw error;
      return { ok: false, error };
    }
  }

  return {
    submit(incoming, receivedAt) {
      return new Promise<IngestResult>((resolve, reject) => {
        pending.push({ incoming, receivedAt, resolve, reject });
        if (pending.length >= maxBatch) flush();
        else if (timer === undefined) timer = windowMs > 0 ? setTimeout(flush, windowMs) : setImmediate(flush);
      });
    },
    flush,
  };
}

export function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && STORE_FAILURE.test(code);
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
