/** Time as the limiter sees it; tests pass a fake clock whose sleep advances `now` at once. */
export interface LimiterClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface RateLimiter {
  /** Resolves when one more request fits in the window, and counts it. */
  acquire(): Promise<void>;
}

/**
 * A sliding window: at most `limit` requests in any `windowMs`. Unlike a fixed spacing, a short run
 * (a handful of replies) never waits; only a long one is slowed down to SMTP2Go's documented limit.
 */
export function createRateLimiter(limit: number, windowMs: number, clock: LimiterClock): RateLimiter {
  const started: number[] = [];
  return {
    async acquire() {
      for (;;) {
        const now = clock.now();
        while (started.length > 0 && (started[0] ?? 0) <= now - windowMs) started.shift();
        if (started.length < limit) {
          started.push(now);
          return;
        }
        await clock.sleep((started[0] ?? now) + windowMs - now);
      }
    },
  };
}
