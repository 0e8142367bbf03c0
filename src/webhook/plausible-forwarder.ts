import { Agent, request } from 'undici';
import type { HitClassification } from '../core/tracking-event.js';
import type { PlausibleOutcome } from '../store/plausible-forwards.js';

/** A counted first-party hit, as much of it as Plausible may see: never a token, an address or a reply. */
export interface PlausibleHit {
  kind: 'open' | 'click';
  classification: HitClassification;
  /** The mail client's, forwarded as Plausible's Events API requires for its visitor counting. */
  userAgent: string | null;
  /** The client's address (see tracking-routes.ts clientAddress), sent as X-Forwarded-For. */
  ip: string | null;
}

export interface PlausibleTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PlausibleForwarderOptions {
  plausibleUrl: string;
  domain: string;
  /** PORTAL_URL: events name its generic `/email/open` and `/email/click` pages, the same for every mail. */
  portalUrl: string;
  /** Each attempt's budget for connecting and for the answer. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** The first retry waits this long, each next one twice as long, up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Hits waiting (to be sent or retried) at most; past it the oldest is given up and counted failed. */
  maxQueue?: number;
  concurrency?: number;
  timers?: PlausibleTimers;
  onOutcome: (outcome: PlausibleOutcome, reason: string | null) => void;
}

export interface PlausibleForwarder {
  /** Queues a hit and returns at once: the pixel and the redirect never wait for Plausible. */
  enqueue(hit: PlausibleHit): void;
  /** Hits queued or being retried. */
  pending(): number;
  /** Gives up the retries, sends what is queued for at most graceMs, and counts the rest failed. */
  close(graceMs?: number): Promise<void>;
}

interface Job {
  hit: PlausibleHit;
  attempts: number;
  timer: unknown;
}

type Attempt = { outcome: 'forwarded' | 'dropped' } | { outcome: 'retry' | 'failed'; reason: string };

const REAL_TIMERS: PlausibleTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Forwards counted first-party opens and clicks to Plausible's Events API (issue 15) from a bounded
 * in-memory queue. The hit is already in the store when it gets here, so Plausible being down, slow or
 * refusing costs only its own copy: it is retried with exponential backoff a few times, then counted failed.
 */
export function createPlausibleForwarder(options: PlausibleForwarderOptions): PlausibleForwarder {
  const endpoint = new URL('api/event', options.plausibleUrl.replace(/\/*$/, '/')).href;
  const page = options.portalUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 1_000;
  const maxDelayMs = options.maxDelayMs ?? 60_000;
  const maxQueue = options.maxQueue ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const timers = options.timers ?? REAL_TIMERS;
  const agent = new Agent({ connect: { timeout: timeoutMs }, connections: concurrency });
  const ready: Job[] = [];
  const backoff = new Set<Job>();
  let active = 0;
  let closing = false;
  let idle: (() => void) | null = null;

  const fail = (reason: string) => options.onOutcome('failed', reason);

  function pump(): void {
    while (active < concurrency && ready.length > 0) {
      const job = ready.shift()!;
      active += 1;
      void send(job).finally(() => {
        active -= 1;
        pump();
      });
    }
    if (active === 0 && ready.length === 0) idle?.();
  }

  async function send(job: Job): Promise<void> {
    job.attempts += 1;
    const result = await attempt(job.hit);
    if (!('reason' in result)) return options.onOutcome(result.outcome, null);
    if (result.outcome === 'failed' || closing || job.attempts >= maxAttempts) return fail(result.reason);
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (job.attempts - 1));
    backoff.add(job);
    job.timer = timers.setTimeout(() => {
      backoff.delete(job);
      ready.push(job);
      pump();
    }, delay);
  }

  async function attempt(hit: PlausibleHit): Promise<Attempt> {
    const body = JSON.stringify({
      name: hit.kind === 'open' ? 'Email Open' : 'Email Click',
      url: `${page}/email/${hit.kind}`,
      domain: options.domain,
      props: { classification: hit.classification, kind: hit.kind },
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': hit.userAgent ?? '',
    };
    if (hit.ip !== null) headers['x-forwarded-for'] = hit.ip;
    // One budget for the whole attempt: undici's own header and body timeouts tick at a coarse resolution.
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await request(endpoint, { method: 'POST', headers, body, dispatcher: agent, signal });
      await response.body.dump({ limit: 64 * 1024, signal });
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        const dropped = response.headers['x-plausible-dropped'];
        return { outcome: dropped !== undefined && dropped !== '0' ? 'dropped' : 'forwarded' };
      }
      // A refusal that a retry cannot change (a wrong domain, a bad payload) fails at once.
      const retry = status >= 500 || status === 408 || status === 429;
      return { outcome: retry ? 'retry' : 'failed', reason: `Plausible answered ${status}` };
    } catch (error) {
      const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message;
      return { outcome: 'retry', reason: `Plausible unreachable: ${reason}` };
    }
  }

  return {
    enqueue(hit) {
      if (closing) return fail('the listener is shutting down');
      if (ready.length + backoff.size >= maxQueue) {
        const oldest = ready.shift() ?? backoff.values().next().value;
        if (oldest !== undefined) {
          backoff.delete(oldest);
          if (oldest.timer !== null) timers.clearTimeout(oldest.timer);
          fail('the forwarding queue is full');
        }
      }
      ready.push({ hit, attempts: 0, timer: null });
      pump();
    },
    pending: () => ready.length + backoff.size + active,
    async close(graceMs = 2_000) {
      closing = true;
      for (const job of backoff) {
        timers.clearTimeout(job.timer);
        fail('the listener is shutting down');
      }
      backoff.clear();
      if (active > 0 || ready.length > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs))),
        ]);
        clearTimeout(timer);
      }
      ready.splice(0).forEach(() => fail('the listener is shutting down'));
      // In-flight requests are cut; each counts itself failed (closing: no retry).
      await agent.destroy().catch(() => undefined);
      await new Promise<void>((resolve) => {
        if (active === 0) resolve();
        else idle = resolve;
      });
    },
  };
}
