import type { Smtp2goResponse } from './api-request.js';
import { smtp2goRequest } from './api-request.js';
import { apiErrorOf, isRetryableStatus, retryAfterMs } from './api-response.js';
import { asRecord, rawData, stringOrNull, type ApiConnection } from './api-connection.js';
import { createRateLimiter, type LimiterClock, type RateLimiter } from './rate-limiter.js';
import { backoffMs, type RetryPolicy } from './retry.js';

/** SMTP2Go's documented limit for /activity/search. */
const ACTIVITY_REQUESTS_PER_MINUTE = 60;

/** One row of /activity/search. Its names differ from webhooks: `opened`, `hard-bounced`, `date`, `recipient`. */
export interface ActivityEvent {
  event: string;
  emailId: string | null;
  /** `date` as sent (RFC 3339, UTC). */
  date: string | null;
  recipient: string | null;
  /** The whole row, for mapping and for the stored payload. */
  raw: Record<string, unknown>;
}

export interface ActivityQuery {
  emailId: string;
  /** Inclusive; SMTP2Go defaults to today's midnight, which would hide older events, so always send it. */
  startDate: string;
  endDate?: string;
  /** Headers to parse out of the raw headers, e.g. `X-Portal-Tracking-Id`. */
  customHeaders?: string[];
  pageSize?: number;
}

export interface ActivityClock extends LimiterClock {
  random: () => number;
}

export interface ActivitySearchDeps {
  clock?: Partial<ActivityClock>;
  /** Shared by every search in a run so the whole run stays under the limit. */
  limiter?: RateLimiter;
  policy?: Partial<RetryPolicy>;
  onRequest?: (report: { page: number; status: number; retryInMs: number | null }) => void;
  request?: (options: Parameters<typeof smtp2goRequest>[0]) => Promise<Smtp2goResponse>;
}

const realClock: ActivityClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

// Longer than the send path's: a 429 here only delays a maintenance run, and SMTP2Go times out IPs
// that keep asking, so waiting a while is cheaper than being locked out.
const ACTIVITY_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 60_000 };

export function activityLimiter(clock: Partial<ActivityClock> = {}): RateLimiter {
  return createRateLimiter(ACTIVITY_REQUESTS_PER_MINUTE, 60_000, { ...realClock, ...clock });
}

/**
 * Every event of one email, following `continue_token` page by page. A 429 or 5xx on any page waits
 * (Retry-After or backoff) and asks for the same page again, so paging resumes where it stopped.
 */
export async function searchActivity(
  connection: ApiConnection,
  query: ActivityQuery,
  deps: ActivitySearchDeps = {},
): Promise<ActivityEvent[]> {
  const clock = { ...realClock, ...deps.clock };
  const limiter = deps.limiter ?? activityLimiter(clock);
  const events: ActivityEvent[] = [];
  let token: string | null = null;
  for (let page = 1; ; page += 1) {
    const json = await fetchPage(connection, activityBody(query, token), page, { ...deps, clock, limiter });
    const data = asRecord(rawData(json));
    const rows = Array.isArray(data.events) ? data.events : [];
    events.push(...rows.map(parseActivityEvent));
    token = stringOrNull(data.continue_token);
    if (token === null || rows.length === 0) return events;
  }
}

function activityBody(query: ActivityQuery, continueToken: string | null): Record<string, unknown> {
  return {
    search_email_id: query.emailId,
    start_date: query.startDate,
    ...(query.endDate === undefined ? {} : { end_date: query.endDate }),
    limit: query.pageSize ?? 1000,
    ...(query.customHeaders === undefined || query.customHeaders.length === 0
      ? {}
      : { custom_headers: query.customHeaders }),
    ...(continueToken === null ? {} : { continue_token: continueToken }),
  };
}

type PageDeps = ActivitySearchDeps & { clock: ActivityClock; limiter: RateLimiter };

async function fetchPage(
  connection: ApiConnection,
  body: Record<string, unknown>,
  page: number,
  deps: PageDeps,
): Promise<unknown> {
  const policy = { ...ACTIVITY_RETRY_POLICY, ...deps.policy };
  const request = deps.request ?? smtp2goRequest;
  for (let attempt = 1; ; attempt += 1) {
    await deps.limiter.acquire();
    const response = await request({ ...connection, path: '/activity/search', body });
    const error = apiErrorOf(response);
    if (error === null) {
      deps.onRequest?.({ page, status: response.status, retryInMs: null });
      return response.json;
    }
    if (!isRetryableStatus(response.status) || attempt >= policy.maxAttempts) throw error;
    const delay = Math.max(
      backoffMs(attempt, policy, deps.clock.random),
      retryAfterMs(response.headers, deps.clock.now()) ?? 0,
    );
    deps.onRequest?.({ page, status: response.status, retryInMs: delay });
    await deps.clock.sleep(delay);
  }
}

export function parseActivityEvent(value: unknown): ActivityEvent {
  const raw = asRecord(value);
  return {
    event: typeof raw.event === 'string' ? raw.event : '',
    emailId: stringOrNull(raw.email_id),
    date: stringOrNull(raw.date),
    recipient: stringOrNull(raw.recipient),
    raw,
  };
}
