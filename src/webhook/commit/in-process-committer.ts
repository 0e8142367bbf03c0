import type { EventSource } from '../../core/tracking-event.js';
import type { IngestResult } from '../../store/ingest-events.js';
import type { Store } from '../../store/open-store.js';
import {
  answerJobs,
  COMMIT_DEFAULTS,
  createBatchCommit,
  failJobs,
  StoreUnavailableError,
  type GroupCommitter,
  type IngestEventsFn,
  type JobOutcome,
  type QueuedJob,
  describeError,
  isStoreBusy,
} from './commit-batch.js';

export interface InProcessCommitterOptions {
  ingest: IngestEventsFn;
  /** `ingest` minus its own transaction, for batches that first try without a savepoint per request. */
  inTransaction?: IngestEventsFn;
  /** How long the first request of a batch waits for company; 0 (default) means the next turn of the event loop. */
  windowMs?: number;
  /** A batch this large commits at once without waiting for the window. */
  maxBatch?: number;
  source?: EventSource;
  /** Run before each batch: why the store must not be written now (its file was replaced), or null. */
  checkStore?: () => string | null;
}

/**
 * Group commit on the event loop: requests that arrive in the same turn of the loop (or within the window)
 * share one transaction (one fsync), and each is answered only after that commit. The loop waits for the
 * fsync, so the listener uses it only where the thread committer (thread-committer.ts) cannot run: an
 * in-memory store, or an `ingest` injected by a test.
 */
export function createInProcessCommitter(store: Store, options: InProcessCommitterOptions): GroupCommitter {
  const {
    windowMs = COMMIT_DEFAULTS.windowMs,
    maxBatch = COMMIT_DEFAULTS.maxBatch,
    source = 'webhook',
  } = options;
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
        else if (timer === undefined)
          timer = windowMs > 0 ? setTimeout(flush, windowMs) : setImmediate(flush);
      });
    },
    close() {
      flush();
      return Promise.resolve();
    },
    failure: () => failure,
  };
}
