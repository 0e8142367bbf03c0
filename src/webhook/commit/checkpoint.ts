import { storeDialect, type Store } from '../../store/open-store.js';

/**
 * Counts the events committed through `store` and runs a passive checkpoint once `everyEvents` have
 * accumulated. Call it after a batch has been answered (see commit-thread-main.ts for why and the numbers).
 * A passive checkpoint never waits for readers or writers. If it fails (disk full, I/O error), the events
 * are already committed and answered; the store's next commit meets the same failure and answers 503,
 * and SQLite's automatic checkpoint is still there, so the error is not this function's to report.
 */
export function createCheckpointer(
  store: Store,
  everyEvents: number,
  analyzeAfterEvents = ANALYZE_AFTER_EVENTS,
): (committedEvents: number) => void {
  // PostgreSQL checkpoints by itself; only SQLite's WAL is copied back here.
  if (storeDialect(store) === 'postgres') return createFirstAnalyze(store, analyzeAfterEvents);
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

const ANALYZE_AFTER_EVENTS = 1000;
const PLANNED_TABLES = ['email_tracking_events', 'ticket_replies', 'reply_recipients'];

/**
 * PostgreSQL plans with what it knows of a table: a new database keeps the plans it made while its tables
 * were empty (sequential scans) until autovacuum gets round to analyzing them, and a listener taking a
 * backlog meanwhile fell from 440 to 125-158 events/s within a minute (BENCHMARKS.md, PostgreSQL). So
 * once this listener has committed `afterEvents`, it analyzes the tables that were never analyzed, once.
 * A role that does not own them gets PostgreSQL's warning and nothing else: autovacuum still comes.
 */
function createFirstAnalyze(store: Store, afterEvents: number): (committedEvents: number) => void {
  let committed = 0;
  let done = false;
  return (committedEvents) => {
    if (done) return;
    committed += committedEvents;
    if (committed < afterEvents) return;
    done = true;
    try {
      const never = store
        .prepare(
          `SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(?::text[])
             AND last_analyze IS NULL AND last_autoanalyze IS NULL ORDER BY relname`,
        )
        .pluck()
        .all(PLANNED_TABLES) as string[];
      if (never.length > 0) store.exec(`ANALYZE ${never.join(', ')}`);
    } catch {
      // Committed and answered already; autovacuum analyzes the tables in time anyway.
    }
  };
}
