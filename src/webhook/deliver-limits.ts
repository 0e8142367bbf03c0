/** Time as the pacer sees it; tests pass a fake clock whose sleep advances `now` at once. */
export interface PacerClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface Pacer {
  /** Resolves at the next moment a request may start, booking it; resolves with that moment (clock ms). */
  acquire(): Promise<number>;
}

/**
 * Fixed spacing of 1000/rate ms between starts. Spacing (rather than a burst-then-wait window) keeps a
 * replay from hitting a listener with `rate` requests in the same millisecond, and it makes the limit
 * countable: any window of one second holds at most `rate` starts.
 */
export function createPacer(ratePerSecond: number, clock: PacerClock): Pacer {
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0)
    throw new RangeError('rate must be a positive number per second');
  const spacingMs = 1000 / ratePerSecond;
  let next = -Infinity;
  return {
    async acquire() {
      const now = clock.now();
      const slot = Math.max(now, next);
      // Booked before sleeping, so concurrent callers queue up behind one another.
      next = slot + spacingMs;
      if (slot > now) await clock.sleep(slot - now);
      return slot;
    },
  };
}

export interface Slots {
  acquire(): Promise<void>;
  release(): void;
}

/** A counting semaphore: at most `size` holders; waiters are served in arrival order. */
export function createSlots(size: number): Slots {
  let free = size;
  const waiting: Array<() => void> = [];
  return {
    acquire() {
      if (free > 0) {
        free -= 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next !== undefined) next();
      else free += 1;
    },
  };
}
