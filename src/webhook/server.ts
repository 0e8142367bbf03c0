import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { storeDialect, type Store } from '../store/open-store.js';
import { LISTENER_PATH } from '../smtp2go/portal-webhook.js';
import { isWebhookHttpError } from './errors.js';
import type { IngestEventsFn } from './commit/commit-batch.js';
import { createWebhookHandler, type EventSummary, type HandledWebhook } from './handler.js';
import { mediaType, unsupportedContentType } from './parse-body.js';
import { lingerAfterAnswer } from './linger.js';
import {
  declaredLength,
  MAX_BODY_BYTES,
  readBody,
  budgetSpent,
  createBodyBudget,
  MAX_BUFFERED_BYTES,
} from './read-body.js';
import { startCommitter } from './commit/start-committer.js';
import { createStoreHealth, fileIdentity } from './store-health.js';
import { createTrackingRoutes, type TrackingRoutesOptions } from './tracking-routes.js';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 8787;
const DEFAULT_PATH = LISTENER_PATH;
const HEALTH_PATH = '/healthz';

export interface WebhookTimeouts {
  /** Whole header block (slowloris). */
  headersMs: number;
  /** Whole request, headers and body. */
  requestMs: number;
  /** Gap between two body chunks. */
  bodyIdleMs: number;
  keepAliveMs: number;
  /** How long close() waits for in-flight requests before cutting connections. */
  closeGraceMs: number;
  /** After refusing a body it has not read: how long the listener keeps reading and discarding it (see linger.ts). */
  lingerMs: number;
  /** ...and at most how many bytes. Only time and CPU, never memory: the bytes are dropped as they arrive. */
  lingerBytes: number;
}

const DEFAULT_TIMEOUTS: WebhookTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  bodyIdleMs: 10_000,
  keepAliveMs: 5_000,
  closeGraceMs: 10_000,
  // Enough for a client that writes a 50 MiB body before it reads, on a fast link; a slower one is cut at 2 s.
  lingerMs: 2_000,
  lingerBytes: 64 * 1024 * 1024,
};

/**
 * How a response leaves the connection: open for the next request; closed (node's default: FIN, then
 * destroy); or, when the client may still be sending a body we refused, closed with a linger so the
 * answer is not lost to a reset.
 */
type Ending = 'keep-alive' | 'close' | 'linger';

/** One line of the request log: statuses and what was stored, never a secret or a payload. */
export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  ms: number;
  events: EventSummary[];
  /** Why the request was refused or failed. */
  error: string | null;
  auth: string | null;
  remoteAddress: string | null;
}

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface WebhookServerOptions {
  store: Store;
  /** Current and previous webhook secret; empty only with `insecure`. */
  secrets: string[];
  insecure?: boolean;
  host?: string;
  port?: number;
  path?: string;
  now?: () => Date;
  toleranceSeconds?: number;
  maxBodyBytes?: number;
  /** Bytes of request bodies held in memory at once, across all requests (see createBodyBudget). */
  maxBufferedBytes?: number;
  timeouts?: Partial<WebhookTimeouts>;
  groupCommit?: { windowMs?: number; maxBatch?: number };
  /**
   * By default commits run on a thread of its own with its own connection to the store's file, so the
   * event loop never waits for an fsync; `workerUrl` points tests running from the sources at the build.
   * They run on the event loop instead with `false`, for an in-memory store, or when a test injects
   * `ingest`: a thread can neither share an in-memory database nor run an injected function.
   */
  commitThread?: boolean | { workerUrl?: URL };
  /** How long a commit waits for another writer before answering 503. */
  busyTimeoutMs?: number;
  ingest?: IngestEventsFn;
  /** First-party tracking routes (pixel, click redirect) under this prefix, answered before the webhook path. */
  tracking?: Omit<TrackingRoutesOptions, 'store' | 'submit' | 'now'>;
  onEvent?: (record: RequestRecord) => void;
  onLog?: (entry: LogEntry) => void;
}

export interface WebhookServer {
  url: string;
  healthUrl: string;
  close(): Promise<void>;
}

/** Seconds a client refused for want of memory is asked to wait (SMTP2Go retries on its own schedule). */
const RETRY_AFTER_SECONDS = 1;

/** A refused body at most this large is read and dropped by node, and the connection kept; larger ones linger. */
const SMALL_REFUSED_BODY_BYTES = 64 * 1024;

/** Starts the listener; resolves once it accepts connections. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const secrets = options.secrets.filter((secret) => secret !== '');
  if (secrets.length === 0 && options.insecure !== true)
    throw new Error('the webhook listener needs a secret unless it runs insecure');
  const path = options.path ?? DEFAULT_PATH;
  if (!path.startsWith('/') || path === HEALTH_PATH)
    throw new Error(`the webhook path must start with "/" and not be ${HEALTH_PATH}, not "${path}"`);
  const now = options.now ?? (() => new Date());
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const budget = createBodyBudget(options.maxBufferedBytes ?? MAX_BUFFERED_BYTES);
  const { store } = options;
  // Only a SQLite file can be replaced under the listener; a PostgreSQL server answers for itself.
  const opened = store.memory || storeDialect(store) === 'postgres' ? null : fileIdentity(store.name);
  const committer = await startCommitter(store, options, opened);
  const storeHealth = createStoreHealth(store, committer, opened);
  const handler = createWebhookHandler({
    secrets,
    insecure: options.insecure === true,
    ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    commit: (incoming, receivedAt) => committer.submit(incoming, receivedAt),
  });
  const tracking =
    options.tracking === undefined
      ? undefined
      : createTrackingRoutes({
          ...options.tracking,
          store,
          now,
          submit: (incoming, at) => committer.submit(incoming, at),
        });
  const lingering = new Set<Socket>();
  let closing = false;
  let unhealthy: string | null = null;

  function send(
    request: IncomingMessage,
    response: ServerResponse,
    status: number,
    body: Record<string, unknown>,
    ending: Ending = 'keep-alive',
  ): void {
    if (response.headersSent) return;
    const text = JSON.stringify(body);
    response.statusCode = status;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(text));
    response.setHeader('Cache-Control', 'no-store');
    if (ending !== 'keep-alive' || closing) response.setHeader('Connection', 'close');
    // While shutting down, a quick close matters more than a client that does not read while it writes.
    if (ending === 'linger' && !closing) {
      const socket = request.socket;
      lingering.add(socket);
      socket.once('close', () => lingering.delete(socket));
      lingerAfterAnswer(request, { ms: timeouts.lingerMs, bytes: timeouts.lingerBytes });
    }
    response.end(request.method === 'HEAD' ? undefined : text);
  }

  /** An error answer that is also what the request record (the log line) says. */
  function refuseRequest(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    status: number,
    error: string,
    ending: Ending,
  ): void {
    record.status = status;
    record.error = error;
    if (status === 503 && !closing) response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    send(request, response, status, { status: 'error', error }, ending);
  }

  function health(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return send(request, response, 405, { status: 'error', error: 'method not allowed' });
    }
    const verdict = storeHealth();
    const reason = verdict.ok ? null : verdict.reason;
    // The reason goes to the log once, when it appears; the answer stays terse (it needs no authentication).
    if (reason !== null && reason !== unhealthy)
      options.onLog?.({ level: 'error', message: `health: ${reason}` });
    unhealthy = reason;
    if (verdict.ok)
      send(request, response, 200, { status: 'ok', store: 'ok', schema_version: verdict.schemaVersion });
    else send(request, response, 503, { status: 'unavailable', store: 'unavailable' });
  }

  /** The end of a request whose headers the handler saw: the answer, its log line, a warning or error to log. */
  function answer(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    handled: HandledWebhook,
    ending: Ending,
  ): void {
    Object.assign(record, {
      status: handled.status,
      events: handled.events,
      error: handled.error,
      auth: handled.method,
    });
    if (handled.status === 401)
      options.onLog?.({
        level: 'warn',
        message: `401 from ${record.remoteAddress ?? 'unknown'}: ${handled.error}`,
      });
    if (handled.status >= 500)
      options.onLog?.({ level: 'error', message: `${handled.status}: ${handled.error}` });
    send(request, response, handled.status, handled.body, ending);
  }

  async function webhook(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    receivedAt: Date,
  ): Promise<void> {
    const refuse = (status: number, error: string, ending: Ending) =>
      refuseRequest(request, response, record, status, error, ending);
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      return refuse(405, 'method not allowed', hasBody(request) ? 'linger' : 'keep-alive');
    }
    if (closing) return refuse(503, 'shutting down, retry later', 'close');
    const contentType = mediaType(request.headers['content-type']);
    const unsupported = unsupportedContentType(contentType);
    if (unsupported !== null) return refuse(unsupported.status, unsupported.message, 'linger');
    const length = declaredLength(request);
    if (length !== null && length > maxBodyBytes)
      return refuse(413, `the body is larger than ${maxBodyBytes} bytes`, 'linger');
    // Refused on its headers when they decide, so no memory is spent on the body of a request that cannot pass.
    const screened = handler.screen(request.headers, receivedAt);
    if ('status' in screened)
      return answer(
        request,
        response,
        record,
        screened,
        length !== null && length <= SMALL_REFUSED_BODY_BYTES ? 'keep-alive' : 'linger',
      );
    const reservation = budget.reserve(length ?? 0);
    if (reservation === null) return refuse(503, budgetSpent().message, 'linger');
    try {
      let rawBody: Buffer;
      try {
        rawBody = await readBody(request, maxBodyBytes, timeouts.bodyIdleMs, reservation);
      } catch (error) {
        // A 413 or 503 leaves the sender mid-body; a 408 means it stopped sending, so there is nothing to wait for.
        if (isWebhookHttpError(error))
          return refuse(error.status, error.message, error.status === 408 ? 'close' : 'linger');
        record.status = 499;
        record.error = 'the client went away';
        request.socket.destroy();
        return;
      }
      answer(
        request,
        response,
        record,
        await handler.handle({ headers: request.headers, rawBody, contentType, receivedAt }, screened),
        'keep-alive',
      );
    } finally {
      reservation.release();
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // A connection lingering after a refused body said `Connection: close`: whatever it pipelines is not served.
    if (lingering.has(request.socket)) return void request.socket.destroy();
    const started = performance.now();
    const target = pathname(request.url);
    if (target === HEALTH_PATH) return health(request, response);
    if (tracking?.handle(request, response, target) === true) return;
    const receivedAt = now();
    const record: RequestRecord = {
      method: request.method ?? '',
      path: target,
      status: 0,
      ms: 0,
      events: [],
      error: null,
      auth: null,
      remoteAddress: request.socket.remoteAddress ?? null,
    };
    try {
      if (target !== path) {
        refuseRequest(
          request,
          response,
          record,
          404,
          'not found',
          hasBody(request) ? 'linger' : 'keep-alive',
        );
      } else {
        await webhook(request, response, record, receivedAt);
      }
    } catch (error) {
      record.status = 500;
      record.error = error instanceof Error ? error.message : String(error);
      options.onLog?.({ level: 'error', message: `500: ${record.error}` });
      send(request, response, 500, { status: 'error', error: 'internal error, retry later' });
    }
    record.ms = Math.round((performance.now() - started) * 10) / 10;
    options.onEvent?.(record);
  }

  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: Math.max(timeouts.requestMs, timeouts.headersMs),
      keepAliveTimeout: timeouts.keepAliveMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeouts.headersMs / 2))),
      // By default Node keeps only the first of two Authorization headers, so a request carrying a good and
      // a bad one would pass; joined, verify sees both and refuses the request (fail closed).
      joinDuplicateHeaders: true,
    },
    (request, response) => void route(request, response),
  );
  // Past node's default of 2,000 header lines the rest are dropped unseen, a second Authorization among
  // them; with no count limit every line is parsed (the 16 KiB header size limit still bounds them).
  server.maxHeadersCount = 0;
  try {
    await listen(server, options.host ?? DEFAULT_HOST, options.port ?? DEFAULT_PORT);
  } catch (error) {
    await committer.close();
    throw error;
  }
  const origin = originOf(server.address() as AddressInfo);
  let closed: Promise<void> | undefined;

  return {
    url: `${origin}${path}`,
    healthUrl: `${origin}${HEALTH_PATH}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const grace = setTimeout(() => server.closeAllConnections(), timeouts.closeGraceMs).unref();
        server.close(() => {
          clearTimeout(grace);
          const held = tracking === undefined ? Promise.resolve() : tracking.close();
          void held.then(() => committer.close()).then(resolve, resolve);
        });
        server.closeIdleConnections();
        for (const socket of lingering) socket.destroy();
      });
      return closed;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function originOf(address: AddressInfo): string {
  const host =
    address.family === 'IPv6' || address.family === (6 as unknown) ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function hasBody(request: IncomingMessage): boolean {
  const length = declaredLength(request);
  return (length !== null && length > 0) || request.headers['transfer-encoding'] !== undefined;
}

function pathname(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}
