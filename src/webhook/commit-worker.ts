import { parentPort, workerData } from 'node:worker_threads';
import type { EventSource } from '../core/tracking-event.js';
import { ingestEvents, ingestEventsInTransaction } from '../store/ingest-events.js';
import { openStore } from '../store/open-store.js';
import { createBatchCommit, describeError, type BatchJob } from './commit-batch.js';

/** Messages between the listener and its commit thread. */
export type ToWorker = { type: 'batch'; id: number; jobs: BatchJob[] } | { type: 'close' };
export type WireOutcome = { ok: true; result: ReturnType<typeof ingestEvents> } | { ok: false; message: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcomes: WireOutcome[] }
  | { type: 'failed'; id: number; message: string }
  | { type: 'fatal'; message: string };

export interface CommitWorkerData {
  dbPath: string;
  busyTimeoutMs: number;
  source: EventSource;
}

// The commit thread owns its own connection, so the fsync of each commit never stalls the HTTP loop.
const port = parentPort;

/**
 * SQLite checkpoints the WAL into the database inside the commit that takes it past this many pages, and
 * every request waiting on that commit waits for the checkpoint too. A listener event dirties about six
 * pages, so SQLite's default of 1,000 made a stall of up to 1,000 page writes every few hundred events;
 * 300 makes them a third as long and three times as often. Measured 2026-12-01 (A/B, built CLI, 18
 * alternated rounds each at 3,000 events/s): median p99 16.0 -> 10.6 ms, under 10 ms in 0 -> 7 rounds,
 * with the same events/s at concurrency 64. 100 and 200 were no better than 300, 500 in between, 8,000
 * (fewer, bigger checkpoints) gave 4-7% more events/s and a p99 of 42-73 ms.
 */
const WAL_AUTOCHECKPOINT_PAGES = 300;
if (port === null) throw new Error('commit-worker runs only as a worker thread');
const { dbPath, busyTimeoutMs, source } = workerData as CommitWorkerData;
const send = (message: FromWorker) => port.postMessage(message);

try {
  const store = openStore(dbPath, { busyTimeoutMs });
  store.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  const commit = createBatchCommit(store, ingestEvents, source, ingestEventsInTransaction);
  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      store.close();
      port.close();
      return;
    }
    try {
      const outcomes = commit(message.jobs).map((outcome): WireOutcome =>
        outcome.ok ? outcome : { ok: false, message: describeError(outcome.error) },
      );
      send({ type: 'done', id: message.id, outcomes });
    } catch (error) {
      send({ type: 'failed', id: message.id, message: describeError(error) });
    }
  });
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'fatal', message: describeError(error) });
  port.close();
}
