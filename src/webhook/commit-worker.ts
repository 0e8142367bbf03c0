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
if (port === null) throw new Error('commit-worker runs only as a worker thread');
const { dbPath, busyTimeoutMs, source } = workerData as CommitWorkerData;
const send = (message: FromWorker) => port.postMessage(message);

try {
  const store = openStore(dbPath, { busyTimeoutMs });
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
