import type { Store } from './open-store.js';

/** What became of the first-party hits forwarded to Plausible (issue 15), all time. */
export interface PlausibleForwardCounts {
  /** Accepted by Plausible (202). */
  forwarded: number;
  /** Answered 202 but dropped as a bot (its `x-plausible-dropped` header): not in Plausible's numbers. */
  dropped: number;
  /** Never accepted: refused, unreachable after every retry, or pushed out of a full queue. */
  failed: number;
  /** When a count last changed; null before the first. */
  last_at: string | null;
}

export type PlausibleOutcome = 'forwarded' | 'dropped' | 'failed';

/**
 * Adds to the counts in one statement per outcome; zero counts are skipped. The stored count is named with
 * its table: PostgreSQL finds a bare `count` ambiguous next to `excluded.count`.
 */
export function addPlausibleForwards(store: Store, counts: Record<PlausibleOutcome, number>, at: Date): void {
  const add = store.prepare(`
    INSERT INTO plausible_forwards (outcome, count, last_at) VALUES (?, ?, ?)
    ON CONFLICT (outcome) DO UPDATE SET count = plausible_forwards.count + excluded.count, last_at = excluded.last_at`);
  store.transaction(() => {
    for (const outcome of ['forwarded', 'dropped', 'failed'] as const)
      if (counts[outcome] > 0) add.run(outcome, counts[outcome], at.toISOString());
  })();
}

export function readPlausibleForwards(store: Store): PlausibleForwardCounts {
  const rows = store.prepare('SELECT outcome, count, last_at FROM plausible_forwards').all() as Array<{
    outcome: PlausibleOutcome;
    count: number;
    last_at: string | null;
  }>;
  const counts: PlausibleForwardCounts = { forwarded: 0, dropped: 0, failed: 0, last_at: null };
  for (const row of rows) {
    counts[row.outcome] = row.count;
    if (row.last_at !== null && (counts.last_at === null || row.last_at > counts.last_at))
      counts.last_at = row.last_at;
  }
  return counts;
}
