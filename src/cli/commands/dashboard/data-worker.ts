import { parentPort, workerData } from 'node:worker_threads';
import { isPortalError } from '../../../core/errors.js';
import { openStore } from '../../../store/open-store.js';
import { createDashboardData } from './data.js';

export interface DataWorkerData {
  dbPath: string;
  timeZone: string;
}

/** The page's heavier reads, asked of the thread; the query travels as its text. */
export type DataQuestion =
  { method: 'replies' | 'summary' | 'activity'; query: string } | { method: 'reply'; replyId: number };

export type DataRequest = DataQuestion & { id: number };

export type DataAnswer =
  | { id: number; ok: true; document: Record<string, unknown> }
  | { id: number; ok: false; error: { code: string; message: string; hint: string | null; portal: boolean } };

// The thread's own connection: the summary of a big store takes seconds of SQLite time, which would
// otherwise be the listener's event loop's time.
const { dbPath, timeZone } = workerData as DataWorkerData;
const store = openStore(dbPath);
const data = createDashboardData({ store, now: () => new Date(), timeZone });
const port = parentPort!;

port.on('message', (request: DataRequest) => void answer(request));

async function answer(request: DataRequest): Promise<void> {
  try {
    const document =
      request.method === 'reply'
        ? await data.reply(request.replyId)
        : await data[request.method](new URLSearchParams(request.query));
    port.postMessage({ id: request.id, ok: true, document } satisfies DataAnswer);
  } catch (error) {
    const portal = isPortalError(error);
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({
      id: request.id,
      ok: false,
      error: {
        code: portal ? error.code : 'runtime',
        message,
        hint: portal ? (error.hint ?? null) : null,
        portal,
      },
    } satisfies DataAnswer);
  }
}
