import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  smtp2goRequest,
  type Smtp2goRequestOptions,
  type Smtp2goResponse,
} from './api-request.js';
import { isRetryableStatus, retryAfterMs } from './api-response.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

/** Time as the retry loop sees it; tests pass a fake clock whose sleep advances `now` instantly. */
export interface RetryClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export interface AttemptReport {
  attempt: number;
  response: Smtp2goResponse | null;
  error: unknown;
  ms: number;
  /** Delay before the next attempt, or null when this was the last one. */
  retryInMs: number | null;
  /** Why a retryable answer was not retried (attempts used up, or the wait would pass the deadline). */
  gaveUp: 'attempts' | 'deadline' | null;
}

export interface RetryRequestOptions extends Smtp2goRequestOptions {
  policy?: Partial<RetryPolicy>;
  clock?: Partial<RetryClock>;
  onAttempt?: (report: AttemptReport) => void;
  /** Swappable for tests of the loop itself. */
  request?: (options: Smtp2goRequestOptions) => Promise<Smtp2goResponse>;
}

/** Exponential backoff with jitter: half fixed, half random, so clients that failed together spread out. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/**
 * Calls an endpoint, retrying only 429 and 5xx (never other 4xx: SMTP2Go times out IPs that hammer it),
 * waiting at least `Retry-After`, and never past the overall `timeoutMs`. Returns the last HTTP answer
 * (retryable or not); transport errors are thrown at once and never retried, because an ambiguous one
 * may already have delivered the request.
 */
export async function smtp2goRequestWithRetry(options: RetryRequestOptions): Promise<Smtp2goResponse> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const clock = { ...realClock, ...options.clock };
  const request = options.request ?? smtp2goRequest;
  const deadline = clock.now() + (options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  for (let attempt = 1; ; attempt += 1) {
    const started = performance.now();
    const report = { attempt, response: null, error: null, retryInMs: null, gaveUp: null } as Omit<
      AttemptReport,
      'ms'
    >;
    let response: Smtp2goResponse;
    try {
      response = await request({ ...options, timeoutMs: Math.max(1, deadline - clock.now()) });
    } catch (error) {
      options.onAttempt?.({ ...report, error, ms: Math.round(performance.now() - started) });
      throw error;
    }
    const done = { ...report, response, ms: response.ms };
    if (!isRetryableStatus(response.status)) {
      options.onAttempt?.(done);
      return response;
    }
    const delay = Math.max(
      backoffMs(attempt, policy, clock.random),
      retryAfterMs(response.headers, clock.now()) ?? 0,
    );
    const gaveUp =
      attempt >= policy.maxAttempts ? 'attempts' : clock.now() + delay >= deadline ? 'deadline' : null;
    options.onAttempt?.({ ...done, gaveUp, retryInMs: gaveUp === null ? delay : null });
    if (gaveUp !== null) return response;
    await clock.sleep(delay);
  }
}
