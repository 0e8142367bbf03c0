import { Pool, type Dispatcher } from 'undici';
import { isRetryableStatus, retryAfterMs } from '../smtp2go/api-response.js';
import { backoffMs, realClock, type RetryClock, type RetryPolicy } from '../smtp2go/retry.js';
import { errorCode } from '../smtp2go/transport-error.js';
import { signWebhookBody } from './sign.js';
import { createPacer, createSlots, type Pacer, type Slots } from './deliver-limits.js';

export type SignMode = 'hmac' | 'bearer' | 'none';

/** Where events go and how they prove who sent them. `secret` is required for `hmac` and `bearer`. */
export interface DeliveryTarget {
  url: string;
  sign: SignMode;
  secret: string | null;
}

/** One event as it travels: the bytes exactly as first received, and their content type. */
export interface DeliveryPayload {
  rawBody: string;
  contentType: string;
}

/** The API client's policy (`maxAttempts` counts the first attempt), with delivery's own defaults below. */
export type DeliveryRetryPolicy = RetryPolicy;

/** Time as the client sees it. Tests pass a fake whose sleep advances `now` at once. */
export type DeliveryClock = RetryClock;

export interface DeliveryAttempt {
  attempt: number;
  status: number | null;
  error: string | null;
  ms: number;
  /** Wait before the next attempt, or null when this was the last one. */
  retryInMs: number | null;
}

export interface DeliveryResult {
  ok: boolean;
  /** Final HTTP status, or null when no answer ever came (connection errors). */
  status: number | null;
  /** Milliseconds of the final attempt (round trip), not counting earlier attempts or waits. */
  ms: number;
  attempts: number;
  /** The listener said it already had every event in the body (`{"stored":0,"duplicates":n}`). */
  duplicate: boolean;
  /** Response body trimmed to a few hundred characters, only on failure. */
  body: string | null;
  /** Why it failed (`HTTP 503`, `connection refused (ECONNREFUSED)`), never containing the secret. */
  error: string | null;
}

export interface DeliveryClientOptions {
  /** Requests in flight at once (and sockets kept open); default 8. */
  concurrency?: number;
  /** Requests started per second, retries included; null or absent for no limit. */
  ratePerSecond?: number | null;
  retry?: Partial<DeliveryRetryPolicy>;
  /** Per-attempt budget for the answer; default 10 s, what SMTP2Go itself allows a listener. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  clock?: Partial<DeliveryClock>;
  /** Swappable for tests; by default one keep-alive undici Pool for the target's origin. */
  dispatcher?: Dispatcher;
  onAttempt?: (attempt: DeliveryAttempt) => void;
}

export interface DeliveryClient {
  deliver(payload: DeliveryPayload): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export const DEFAULT_DELIVERY_RETRY: DeliveryRetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 5_000,
};
const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
const BODY_TRIM = 300;

/**
 * A keep-alive client for POSTing webhook bodies to one listener, shared by `webhook replay` and
 * `webhook trigger`. Each attempt is signed afresh (a listener checks the timestamp's age), goes out
 * with the original body and content type, and waits for a concurrency slot and the rate limit.
 * Connection errors, 429 and 5xx are retried with backoff: a listener dedupes by notification id, so a
 * retry after an ambiguous failure costs at most a duplicate it will recognise.
 */
export function createDeliveryClient(
  target: DeliveryTarget,
  options: DeliveryClientOptions = {},
): DeliveryClient {
  const url = parseTargetUrl(target.url);
  if (target.sign !== 'none' && (target.secret === null || target.secret === '')) {
    throw new TypeError(`signing with ${target.sign} needs a secret`);
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const clock = { ...realClock, ...options.clock };
  const policy = { ...DEFAULT_DELIVERY_RETRY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const ownsDispatcher = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Pool(url.origin, {
      connections: concurrency,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
  const slots: Slots = createSlots(concurrency);
  const pacer: Pacer | null =
    options.ratePerSecond == null ? null : createPacer(options.ratePerSecond, clock);
  const path = `${url.pathname}${url.search}`;

  async function attemptOnce(payload: DeliveryPayload): Promise<{
    status: number | null;
    text: string;
    error: string | null;
    ms: number;
    retryAfter: string | null;
  }> {
    if (pacer !== null) await pacer.acquire();
    const headers: Record<string, string> = {
      'content-type': payload.contentType,
      'user-agent': 'smtp2go-portal-replay',
    };
    if (target.sign === 'hmac')
      headers['x-smtp2go-signature'] = signWebhookBody(
        payload.rawBody,
        target.secret as string,
        Math.floor(clock.now() / 1000),
      );
    if (target.sign === 'bearer') headers.authorization = `Bearer ${target.secret as string}`;
    const started = performance.now();
    try {
      const response = await dispatcher.request({
        origin: url.origin,
        path,
        method: 'POST',
        headers,
        body: payload.rawBody,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      const retryAfter = response.headers['retry-after'];
      return {
        status: response.statusCode,
        text,
        error: null,
        ms: Math.round(performance.now() - started),
        retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
      };
    } catch (error) {
      return {
        status: null,
        text: '',
        error: describeError(error),
        ms: Math.round(performance.now() - started),
        retryAfter: null,
      };
    }
  }

  // A listener's Retry-After is honoured, up to a minute: past that, giving up and reporting is more useful.
  function retryDelay(attempt: number, retryAfter: string | null): number {
    const asked = retryAfter === null ? null : retryAfterMs({ 'retry-after': retryAfter }, clock.now());
    return Math.max(backoffMs(attempt, policy, clock.random), Math.min(asked ?? 0, 60_000));
  }

  async function deliverInSlot(payload: DeliveryPayload): Promise<DeliveryResult> {
    for (let attempt = 1; ; attempt += 1) {
      const answer = await attemptOnce(payload);
      const ok = answer.status !== null && answer.status >= 200 && answer.status < 300;
      const retryable = !ok && (answer.status === null || isRetryableStatus(answer.status));
      const last = ok || !retryable || attempt >= policy.maxAttempts;
      const error = ok ? null : (answer.error ?? `HTTP ${answer.status}`);
      const retryInMs = last ? null : retryDelay(attempt, answer.retryAfter);
      options.onAttempt?.({ attempt, status: answer.status, error, ms: answer.ms, retryInMs });
      if (last) {
        return {
          ok,
          status: answer.status,
          ms: answer.ms,
          attempts: attempt,
          duplicate: ok && saysDuplicate(answer.text),
          body: ok ? null : trimBody(answer.text),
          error,
        };
      }
      await clock.sleep(retryInMs ?? 0);
    }
  }

  return {
    async deliver(payload) {
      await slots.acquire();
      try {
        return await deliverInSlot(payload);
      } finally {
        slots.release();
      }
    },
    async close() {
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}

function parseTargetUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`"${value}" is not an http(s) URL`);
  // Credentials in the URL would end up in logs and progress lines; --sign bearer is the way to pass one.
  if (url.username !== '' || url.password !== '')
    throw new TypeError('the target URL must not carry credentials');
  return url;
}

/** The listener answers `{"status":"ok","stored":0,"duplicates":1}` when it already had the event. */
function saysDuplicate(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const json = JSON.parse(text) as { stored?: unknown; duplicates?: unknown; duplicate?: unknown };
    if (json.duplicate === true) return true;
    return typeof json.duplicates === 'number' && json.duplicates > 0 && json.stored === 0;
  } catch {
    return false;
  }
}

function trimBody(text: string): string | null {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return null;
  return flat.length > BODY_TRIM ? `${flat.slice(0, BODY_TRIM)}…` : flat;
}

const ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name did not resolve',
  EAI_AGAIN: 'host name did not resolve',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the answer',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
  UND_ERR_SOCKET: 'connection closed by the listener',
  UND_ERR_CLOSED: 'client closed',
};

function describeError(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  return `${ERROR_WORDS[code] ?? 'network error'} (${code})`;
}
