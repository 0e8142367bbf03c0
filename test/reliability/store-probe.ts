import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { isPostgresLocation } from '../../src/store/postgres/location.js';

export interface StoredIds {
  /** Notification id → how many rows carry it (must be 1). */
  counts: Map<string, number>;
  rows: number;
}

/**
 * Reads what is on disk with a connection of its own, as an operator would after a crash. Opening
 * read-write lets SQLite recover the WAL left by a killed writer. A PostgreSQL URL is read through a
 * store connection of its own.
 */
export function readStoredIds(location: string): StoredIds {
  const db = isPostgresLocation(location)
    ? openStore(location, { mustExist: true })
    : new Database(location, { fileMustExist: true });
  try {
    if (db instanceof Database) db.pragma('busy_timeout = 5000');
    const counts = new Map<string, number>();
    for (const row of db
      .prepare(
        'SELECT notification_id AS id, COUNT(*) AS n FROM email_tracking_events GROUP BY notification_id',
      )
      .iterate() as Iterable<{ id: string | null; n: number }>) {
      counts.set(row.id ?? '(none)', row.n);
    }
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM email_tracking_events').get() as { n: number }).n;
    return { counts, rows };
  } finally {
    db.close();
  }
}

export function eventRowCount(dbPath: string): number {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return (db.prepare('SELECT COUNT(*) AS n FROM email_tracking_events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Prints one figure line the reliability run collects into RELIABILITY.md. */
export function report(scenario: string, figures: object): void {
  const text = Object.entries(figures)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
    )
    .join(' ');
  process.stdout.write(`[reliability] ${scenario}: ${text}\n`);
}
