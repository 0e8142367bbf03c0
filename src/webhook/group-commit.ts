import type { EventSource, IncomingEvent } from '../core/tracking-event.js';
import type { IngestResult } from '../store/ingest-events.js';
import type { Store } from '../store/open-store.js';
import { answerJobs, createBatchCommit, describeError, failJobs, isStoreBusy, StoreUnavailableError, type IngestEventsFn, type JobOutcome, type QueuedJob } from './commit-batch.js';

export { StoreUnavailableError, type IngestEventsFn } from './commit-batch.js';

export interface GroupCommitOptions {
  ingest: IngestEventsFn;
  /** `ingest` minus its own transaction, for batches that first try without a savepoint per request. */
  inTransaction?: IngestEventsFn;
  /** How long the first request of a batch waits for company; 0 means the next turn of the event loop. */
  windowMs?: number;
  /** A batch this large commits at once without waiting for the window. */
  maxBatch?: number;
  source?: EventSource;
  /** Run before each batch: why the store must not be written now (its file was replaced), or null. */
  checkStore?: () => string | null;
}

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
 * Group commit on the event loop: requests that arrive within a millisecond or two share one transaction
 * (one fsync), and each is answered only after that commit. Simple, but the loop waits for the fsync;
 * worker-commit.ts moves the commit to a thread of its own.
 */
export function createGroupCommitter(store: Store, options: GroupCommitOptions): GroupCommitter {
  const { windowMs = 1, maxBatch = 256, source = 'webhook' } = options;
  const commit = createBatchCommit(store, options.ingest, source, options.inTransaction);
  let pending: QueuedJob[] = [];
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let failure: string | null = null;

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
    let outcomes: JobOutcome[];
    try {
      const moved = options.checkStore?.() ?? null;
      if (moved !== null) throw new Error(moved);
      outcomes = commit(batch);
    } catch (error) {
      if (!isStoreBusy(error)) failure = describeError(error);
      failJobs(batch, new StoreUnavailableError(error));
      return;
    }
    failure = null;
    answerJobs(batch, outcomes);
  }

  return {
    submit(incoming, receivedAt) {
      return new Promise<IngestResult>((resolve, reject) => {
        pending.push({ incoming, receivedAt, resolve, reject });
        if (pending.length >= maxBatch) flush();
        else if (timer === undefined) timer = windowMs > 0 ? setTimeout(flush, windowMs) : setImmediate(flush);
      });
    },
    close() {
      flush();
      return Promise.resolve();
    },
    failure: () => failure,
  };
}
