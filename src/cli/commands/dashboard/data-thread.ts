import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PortalError, type ErrorCode } from '../../../core/errors.js';
import type { DashboardData } from '../../../dashboard/api.js';
import type { DataAnswer, DataQuestion, DataWorkerData } from './data-worker.js';

const DATA_WORKER_URL = new URL('./data-worker.js', import.meta.url);

export interface DataThread {
  data: DashboardData;
  close(): Promise<void>;
}

/**
 * The page's data with its heavy reads (replies, a reply, the summary, the activity counts) on a thread
 * of its own, so a summary over a million events never holds the listener's event loop. The live stream's
 * small queries stay on the caller's connection. Running from sources (no compiled worker), everything
 * stays on `local`.
 */
export function startDataThread(
  local: DashboardData,
  workerData: DataWorkerData,
  url: URL = DATA_WORKER_URL,
): DataThread {
  if (!existsSync(fileURLToPath(url))) return { data: local, close: async () => undefined };
  const pending = new Map<
    number,
    { resolve: (document: Record<string, unknown>) => void; reject: (error: unknown) => void }
  >();
  let worker: Worker | undefined;
  let nextId = 1;

  function thread(): Worker {
    if (worker !== undefined) return worker;
    const started = new Worker(url, { workerData });
    started.on('message', (answer: DataAnswer) => {
      const waiter = pending.get(answer.id);
      pending.delete(answer.id);
      if (answer.ok) waiter?.resolve(answer.document);
      else
        waiter?.reject(
          answer.error.portal
            ? new PortalError(
                answer.error.code as ErrorCode,
                answer.error.message,
                answer.error.hint === null ? {} : { hint: answer.error.hint },
              )
            : new Error(answer.error.message),
        );
    });
    // A thread that dies fails what it held; the next request starts another.
    const fail = (error: unknown) => {
      if (worker === started) worker = undefined;
      for (const waiter of pending.values()) waiter.reject(error);
      pending.clear();
    };
    started.on('error', fail);
    started.on('exit', () => fail(new Error('the dashboard data thread stopped')));
    started.unref();
    return (worker = started);
  }

  function ask(request: DataQuestion): Promise<Record<string, unknown>> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      thread().postMessage({ ...request, id });
    });
  }

  return {
    data: {
      ...local,
      replies: (query) => ask({ method: 'replies', query: query.toString() }),
      summary: (query) => ask({ method: 'summary', query: query.toString() }),
      activity: (query) => ask({ method: 'activity', query: query.toString() }),
      reply: (replyId) => ask({ method: 'reply', replyId }),
    },
    async close() {
      const running = worker;
      worker = undefined;
      await running?.terminate();
    },
  };
}
