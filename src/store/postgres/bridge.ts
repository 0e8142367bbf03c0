import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { BridgeAnswer, BridgeError, BridgeRequest, BridgeWorkerData } from './bridge-protocol.js';

/**
 * The store's code is synchronous (better-sqlite3), and PostgreSQL clients are not. Rather than two copies
 * of every query path, a PostgreSQL store sends each statement to a worker thread that owns the socket
 * and waits for the answer on a shared counter (Atomics.wait, allowed on Node's main thread). The commit
 * thread and the dashboard's data thread are their own threads, so the listener's event loop never waits
 * on the network; one-shot commands (stats, replies) wait as they would for the disk.
 */
class BridgeCallError extends Error {
  readonly code: string | undefined;
  readonly connectionLost: boolean;
  constructor(error: BridgeError) {
    super(error.message);
    this.name = 'PostgresError';
    this.code = error.code;
    this.connectionLost = error.connectionLost;
  }
}

type Answer = Extract<BridgeAnswer, { ok: true }>;

// Built next to this file by tsc; tests that import the TypeScript sources use the built copy.
function workerUrl(): URL {
  const here = new URL('./bridge-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL(here.href.replace('/src/store/postgres/', '/dist/store/postgres/'));
}

// Loaded on first use: every command loads this module with the store, and only PostgreSQL needs threads
// (worker_threads is a few ms of the `stats --reply` start-up budget).
const require = createRequire(import.meta.url);
let threadsModule: typeof import('node:worker_threads') | undefined;
const threads = () =>
  (threadsModule ??= require('node:worker_threads') as typeof import('node:worker_threads'));

let shared: { worker: Worker; port: MessagePort; counter: Int32Array } | undefined;
let nextSeq = 1;
let nextConnection = 1;

function bridge(): NonNullable<typeof shared> {
  if (shared !== undefined) return shared;
  const signal = new SharedArrayBuffer(4);
  const { MessageChannel, Worker } = threads();
  const { port1, port2 } = new MessageChannel();
  const data: BridgeWorkerData = { signal, port: port2 };
  // No inherited flags: under `node -e …` the thread would run the eval'd script instead of its own file.
  const worker = new Worker(workerUrl(), { workerData: data, transferList: [port2], execArgv: [] });
  // Neither the thread nor its port keeps a finished command alive: an unclosed store ends with the process.
  worker.unref();
  port1.unref();
  worker.on('error', () => {
    shared = undefined;
  });
  shared = { worker, port: port1, counter: new Int32Array(signal) };
  return shared;
}

type RequestBody = BridgeRequest extends infer R ? (R extends unknown ? Omit<R, 'seq'> : never) : never;

/** Sends one request and blocks until its answer, or throws after `timeoutMs` (the worker keeps going). */
export function callBridge(body: RequestBody, timeoutMs: number): Answer {
  const { worker, port, counter } = bridge();
  const seq = nextSeq++;
  const deadline = Date.now() + timeoutMs;
  worker.postMessage({ ...body, seq });
  for (;;) {
    const seen = Atomics.load(counter, 0);
    // Answers to requests that timed out earlier may come first: skip them.
    for (
      let message = threads().receiveMessageOnPort(port);
      message !== undefined;
      message = threads().receiveMessageOnPort(port)
    ) {
      const answer = message.message as BridgeAnswer;
      if (answer.seq !== seq) continue;
      if (!answer.ok) throw new BridgeCallError(answer.error);
      return answer;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0 || Atomics.wait(counter, 0, seen, remaining) === 'timed-out') {
      throw new BridgeCallError({
        message: `PostgreSQL did not answer within ${timeoutMs} ms`,
        code: 'TIMEOUT',
        connectionLost: false,
      });
    }
  }
}

export function newConnectionId(): number {
  return nextConnection++;
}
