import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { EventSource } from '../../core/tracking-event.js';
import type { IngestResult } from '../../store/ingest-events.js';
import {
  answerJobs,
  COMMIT_DEFAULTS,
  describeError,
  failJobs,
  StoreUnavailableError,
  type GroupCommitter,
  type QueuedJob,
} from './commit-batch.js';
import type { CommitThreadData, FromCommitThread, ToCommitThread } from './commit-thread-main.js';
import type { StoreFileIdentity } from '../store-health.js';

export interface ThreadCommitterOptions {
  dbPath: string;
  busyTimeoutMs?: number;
  /** How long a batch waits for company when the thread is idle (default 0, see COMMIT_DEFAULTS). */
  windowMs?: number;
  maxBatch?: number;
  source?: EventSource;
  /** The thread's compiled entry; tests running from the TypeScript sources point it at dist/. */
  workerUrl?: URL;
  /** The file the listener opened: the thread refuses to commit once the path names another (store-health.ts). */
  opened?: StoreFileIdentity | null;
}

const COMMIT_THREAD_URL = new URL('./commit-thread-main.js', import.meta.url);

/**
 * First-party tracking hits in one batch at most. A flood of valid pixel tokens would otherwise fill every
 * batch, and a webhook would wait behind hundreds of opens per commit (the tracking routes must not slow
 * the webhook path): webhooks go first, hits fill the rest up to this. Hits past what the commits take wait
 * in the tracking routes' bounded queue, and beyond it are answered but not recorded.
 */
const MAX_HITS_PER_BATCH = 16;

/**
 * Group commit on a thread of its own: while it commits (and fsyncs) one batch, the event loop keeps
 * reading requests into the next, so batches grow with the load and the loop never waits on the disk.
 * One batch is in flight at a time; every request is answered only after the commit that holds it.
 * If the thread dies, its batch and the waiting requests get 503 and the next request starts a new one.
 */
export async function startThreadCommitter(options: ThreadCommitterOptions): Promise<GroupCommitter> {
  const { windowMs = COMMIT_DEFAULTS.windowMs, maxBatch = COMMIT_DEFAULTS.maxBatch } = options;
  const data: CommitThreadData = {
    dbPath: options.dbPath,
    busyTimeoutMs: options.busyTimeoutMs,
    source: options.source ?? 'webhook',
    opened: options.opened ?? null,
  };
  const url = options.workerUrl ?? COMMIT_THREAD_URL;
  if (!existsSync(fileURLToPath(url)))
    throw new Error(`the commit thread's entry ${fileURLToPath(url)} is missing (build with npm run build)`);
  const pending: QueuedJob[] = [];
  const hits: QueuedJob[] = [];
  let inFlight: { id: number; jobs: QueuedJob[]; thread?: Worker } | undefined;
  let nextId = 1;
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  let drained: (() => void) | undefined;
  let worker: Worker | undefined;
  let failure: string | null = null;
  // A failure from a lost server connection is probed again when asked about (failure(), i.e. /healthz),
  // at most one probe at a time: without it, a listener whose database came back would stay unhealthy
  // until a webhook committed, which a balancer that stops traffic to unhealthy listeners never sends.
  let reconnectable = false;
  let probing: number | null = null;

  function spawn(): Promise<Worker> {
    return new Promise((resolve, reject) => {
      const thread = new Worker(url, { workerData: data });
      thread.on('message', (message: FromCommitThread) => {
        if (message.type === 'ready') resolve(thread);
        else if (message.type === 'fatal') reject(new StoreUnavailableError(message.message));
        else if (message.type === 'probed') probed(message.id, message.ok);
        else settle(message);
      });
      thread.on('error', (error) => {
        reject(error);
        failInFlight(thread, new StoreUnavailableError(error));
      });
      thread.on('exit', () => {
        if (worker === thread) probing = null;
        failInFlight(thread, new StoreUnavailableError('the commit thread stopped'));
        if (worker === thread) worker = undefined;
      });
    });
  }

  function settle(message: Extract<FromCommitThread, { type: 'done' } | { type: 'failed' }>): void {
    if (inFlight === undefined || inFlight.id !== message.id) return;
    const { jobs } = inFlight;
    inFlight = undefined;
    if (message.type === 'failed') {
      if (!message.busy) {
        failure = message.message;
        reconnectable = message.connectionLost;
      }
      failJobs(jobs, new StoreUnavailableError(message.message));
    } else {
      failure = null;
      answerJobs(
        jobs,
        message.outcomes.map((outcome) =>
          outcome.ok ? outcome : { ok: false, error: new Error(outcome.message) },
        ),
      );
    }
    // Whatever arrived during that commit has already waited a whole commit: send it at once.
    void dispatch();
  }

  function probe(): void {
    if (failure === null || !reconnectable || probing !== null || worker === undefined) return;
    probing = nextId++;
    worker.postMessage({ type: 'probe', id: probing } satisfies ToCommitThread);
  }

  /** The thread answers in order: a batch that failed after the probe was sent has already said so. */
  function probed(id: number, ok: boolean): void {
    if (probing !== id) return;
    probing = null;
    if (ok && reconnectable) failure = null;
  }

  /** Fails the batch in flight if it was sent to `thread` (undefined: not sent anywhere yet). */
  function failInFlight(thread: Worker | undefined, error: unknown): void {
    if (inFlight === undefined || inFlight.thread !== thread) return;
    const { jobs } = inFlight;
    inFlight = undefined;
    failure = describeError(error);
    reconnectable = false;
    failJobs(jobs, error);
    void dispatch();
  }

  async function dispatch(): Promise<void> {
    timer = undefined;
    if (inFlight !== undefined) return;
    if (pending.length === 0 && hits.length === 0) {
      drained?.();
      return;
    }
    const jobs = pending.splice(0, maxBatch);
    jobs.push(...hits.splice(0, Math.min(MAX_HITS_PER_BATCH, maxBatch - jobs.length)));
    const id = nextId++;
    inFlight = { id, jobs };
    try {
      worker ??= await spawn();
    } catch (error) {
      failInFlight(undefined, new StoreUnavailableError(error));
      return;
    }
    if (inFlight?.id !== id) return;
    inFlight.thread = worker;
    const message: ToCommitThread = {
      type: 'batch',
      id,
      jobs: jobs.map(({ incoming, receivedAt }) => ({ incoming, receivedAt })),
    };
    try {
      worker.postMessage(message);
    } catch (error) {
      // Thrown synchronously inside this promise, it was an unhandled rejection that ended the process.
      inFlight = undefined;
      resendCloneable(jobs, error);
      void dispatch();
    }
  }

  /** Nothing reached the thread: the requests it cannot be sent fail alone, the rest go again. */
  function resendCloneable(jobs: QueuedJob[], error: unknown): void {
    const cloneable = jobs.filter((job) => {
      try {
        structuredClone({ incoming: job.incoming, receivedAt: job.receivedAt });
        return true;
      } catch (cloneError) {
        job.reject(cloneError);
        return false;
      }
    });
    // Every request copies fine, so sending failed for another reason: retrying would only loop.
    if (cloneable.length === jobs.length) failJobs(jobs, new StoreUnavailableError(error));
    else pending.unshift(...cloneable);
  }

  worker = await spawn();

  return {
    submit(incoming, receivedAt) {
      return new Promise<IngestResult>((resolve, reject) => {
        const hit = incoming.length > 0 && incoming.every((event) => event.source === 'first_party');
        (hit ? hits : pending).push({ incoming, receivedAt, resolve, reject });
        if (inFlight !== undefined || timer !== undefined) return;
        if (pending.length + hits.length >= maxBatch || windowMs === 0 || closing) void dispatch();
        else timer = setTimeout(() => void dispatch(), windowMs);
      });
    },
    async close() {
      closing = true;
      if (inFlight !== undefined || pending.length > 0 || hits.length > 0) {
        await new Promise<void>((resolve) => {
          drained = resolve;
          if (timer !== undefined) clearTimeout(timer);
          void dispatch();
        });
      }
      const thread = worker;
      worker = undefined;
      if (thread === undefined) return;
      await new Promise<void>((resolve) => {
        thread.once('exit', () => resolve());
        thread.postMessage({ type: 'close' } satisfies ToCommitThread);
      });
    },
    failure: () => {
      probe();
      return failure;
    },
  };
}
