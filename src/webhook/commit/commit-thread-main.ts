import { parentPort, workerData } from 'node:worker_threads';
import type { EventSource } from '../../core/tracking-event.js';
import { ingestEvents, ingestEventsInTransaction } from '../../store/ingest-events.js';
import { openStore } from '../../store/open-store.js';
import {
  createBatchCommit,
  describeError,
  type BatchJob,
  isConnectionLost,
  isStoreBusy,
} from './commit-batch.js';
import { createCheckpointer } from './checkpoint.js';
import { storeFileMoved, type StoreFileIdentity } from '../store-health.js';

/** Messages between the listener and its commit thread. */
export type ToCommitThread =
  | { type: 'batch'; id: number; jobs: BatchJob[] }
  /** Whether a connection lost with the store's server can be opened again (and commit) now. */
  | { type: 'probe'; id: number }
  | { type: 'close' };
export type WireOutcome =
  { ok: true; result: ReturnType<typeof ingestEvents> } | { ok: false; message: string };
export type FromCommitThread =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcomes: WireOutcome[] }
  /**
   * `busy`: the store was locked by another writer, which does not make the listener unhealthy.
   * `connectionLost`: the server went away (restart, failover, a cut connection); a probe shows when it is back.
   */
  | { type: 'failed'; id: number; message: string; busy: boolean; connectionLost: boolean }
  | { type: 'probed'; id: number; ok: boolean }
  | { type: 'fatal'; message: string };

export interface CommitThreadData {
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
 * pages, so 50 events is about 300 pages. The A/B measurements behind both numbers (more events/s and a
 * lower p99 than SQLite's automatic checkpoint at 300 or 1,000 pages; 25 and 100 events no different) are
 * in BENCHMARKS.md, "Checkpoints after answering".
 */
const CHECKPOINT_AFTER_EVENTS = 50;

// The commit thread owns its own connection, so the fsync of each commit never stalls the HTTP loop.
const port = parentPort;
if (port === null) throw new Error('commit-thread-main runs only as a worker thread');
const { dbPath, busyTimeoutMs, source, opened } = workerData as CommitThreadData;
const send = (message: FromCommitThread) => port.postMessage(message);
const moved = () => (opened === null ? null : storeFileMoved(dbPath, opened));

try {
  // Checked before opening too: a thread started again after a crash must not open (or create) another file.
  const movedAtStart = moved();
  if (movedAtStart !== null) throw new Error(movedAtStart);
  const store = openStore(dbPath, { busyTimeoutMs });
  // SQLite's automatic checkpoint (1,000 pages) stays on as a backstop for batches of very large events.
  const checkpointAfterAnswering = createCheckpointer(store, CHECKPOINT_AFTER_EVENTS);
  const commit = createBatchCommit(store, ingestEvents, source, ingestEventsInTransaction);
  // An empty transaction: on PostgreSQL its BEGIN opens a new connection if the last one was lost.
  const probe = (): boolean => {
    try {
      store.transaction(() => store.prepare('SELECT 1').get())();
      return true;
    } catch {
      return false;
    }
  };
  port.on('message', (message: ToCommitThread) => {
    if (message.type === 'close') {
      store.close();
      port.close();
      return;
    }
    if (message.type === 'probe') {
      send({ type: 'probed', id: message.id, ok: probe() });
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
      send({
        type: 'failed',
        id: message.id,
        message: describeError(error),
        busy: isStoreBusy(error),
        connectionLost: isConnectionLost(error),
      });
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'fatal', message: describeError(error) });
  port.close();
}
