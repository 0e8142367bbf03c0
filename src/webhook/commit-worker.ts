import { parentPort, workerData } from 'node:worker_threads';
import type { EventSource } from '../core/tracking-event.js';
import { ingestEvents, ingestEventsInTransaction } from '../store/ingest-events.js';
import { openStore } from '../store/open-store.js';
import { createBatchCommit, describeError, isStoreBusy, type BatchJob } from './commit-batch.js';
import { createCheckpointer } from './checkpoint.js';
import { storeFileMoved, type StoreFileIdentity } from './store-health.js';

/** Messages between the listener and its commit thread. */
export type ToWorker = { type: 'batch'; id: number; jobs: BatchJob[] } | { type: 'close' };
export type WireOutcome = { ok: true; result: ReturnType<typeof ingestEvents> } | { ok: false; message: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcomes: WireOutcome[] }
  /** `busy`: the store was locked by another writer, which does not make the listener unhealthy. */
  | { type: 'failed'; id: number; message: string; busy: boolean }
  | { type: 'fatal'; message: string };

export interface CommitWorkerData {
  dbPath: string;
  /** Undefined: openStore's default. */
  busyTimeoutMs: number | undefined;
  source: EventSource;
  /** The file the listener opened; every batch first checks the path still names it (store-health.ts). */
  opened: StoreFileIdentity | null;
}

/**
 * The WAL is copied back into the database (a checkpoint) by this thread right after it has answered a
 * batch, once CHECKPOINT_AFTER_EVENTS events have been committed since the last one, instead of by SQLite's
 * automatic checkpoint. That one runs inside the commit that takes the WAL past 1,000 pages, so every
 * request of that batch waited for up to 1,000 page writes and a second fsync. Here the batch is answered
 * first, and requests arriving meanwhile gather into the next batch. A listener event dirties about six
 * pages, so 50 events is about 300 pages. Measured 2026-12-01 (A/B of the built CLI, alternated 8 s rounds
 * on the same load): against SQLite's automatic checkpoint at 300 pages, 6,247 vs 4,877 and 5,431 vs
 * 4,529 median events/s at concurrency 64 (higher in 11 of 11 paired rounds), and a median p99 at
 * 3,000/s of 12.6 vs 13.8 and 10.2 vs 17.4 ms (lower in 10 of 11 pairs); 25 and 100 events measured the
 * same as 50. The automatic checkpoint at 300 pages had itself given a lower p99 than SQLite's default
 * of 1,000 (median 10.8 vs 16.2 ms over 18 rounds each, same events/s). A checkpoint on a third thread
 * with its own connection, overlapping the next commit, took fewer events/s (5,130 vs 5,655 median).
 */
const CHECKPOINT_AFTER_EVENTS = 50;

// The commit thread owns its own connection, so the fsync of each commit never stalls the HTTP loop.
const port = parentPort;
if (port === null) throw new Error('commit-worker runs only as a worker thread');
const { dbPath, busyTimeoutMs, source, opened } = workerData as CommitWorkerData;
const send = (message: FromWorker) => port.postMessage(message);
const moved = () => (opened === null ? null : storeFileMoved(dbPath, opened));

try {
  // Checked before opening too: a thread started again after a crash must not open (or create) another file.
  const movedAtStart = moved();
  if (movedAtStart !== null) throw new Error(movedAtStart);
  const store = openStore(dbPath, { busyTimeoutMs });
  // SQLite's automatic checkpoint (1,000 pages) stays on as a backstop for batches of very large events.
  const checkpointAfterAnswering = createCheckpointer(store, CHECKPOINT_AFTER_EVENTS);
  const commit = createBatchCommit(store, ingestEvents, source, ingestEventsInTransaction);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      store.close();
      port.close();
      return;
    }
    try {
      const movedNow = moved();
      if (movedNow !== null) throw new Error(movedNow);
      const outcomes = commit(message.jobs).map((outcome): WireOutcome =>
        outcome.ok ? outcome : { ok: false, message: describeError(outcome.error) },
      );
      send({ type: 'done', id: message.id, outcomes });
      checkpointAfterAnswering(message.jobs.reduce((events, job) => events + job.incoming.length, 0));
    } catch (error) {
      send({ type: 'failed', id: message.id, message: describeError(error), busy: isStoreBusy(error) });
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'fatal', message: describeError(error) });
  port.close();
}
