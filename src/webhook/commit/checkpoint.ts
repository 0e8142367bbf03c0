import { storeDialect, type Store } from '../../store/open-store.js';

/**
 * Counts the events committed through `store` and runs a passive checkpoint once `everyEvents` have
 * accumulated. Call it after a batch has been answered (see commit-thread-main.ts for why and the numbers).
 * A passive checkpoint never waits for readers or writers. If it fails (disk full, I/O error), the events
 * are already committed and answered; the store's next commit meets the same failure and answers 503,
 * and SQLite's automatic checkpoint is still there, so the error is not this function's to report.
 */
export function createCheckpointer(store: Store, everyEvents: number): (committedEvents: number) => void {
  // PostgreSQL checkpoints by itself; only SQLite's WAL is copied back here.
  if (storeDialect(store) === 'postgres') return () => undefined;
  let sinceCheckpoint = 0;
  return (committedEvents) => {
    sinceCheckpoint += committedEvents;
    if (sinceCheckpoint < everyEvents) return;
    sinceCheckpoint = 0;
    try {
      store.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // See above: nothing acknowledged depends on it.
    }
  };
}
