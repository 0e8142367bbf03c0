import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StoreError } from '../core/errors.js';
import { openSqliteFile, schemaVersion, storeDialect, type SqliteStore, type Store } from './open-store.js';

export interface StoreCopy {
  bytes: number;
  pages: number;
  events: number;
  replies: number;
  schemaVersion: number;
  copyMs: number;
  verifyMs: number;
}

/**
 * Copies the live store to `destination` with SQLite's online backup API, then checks the copy.
 *
 * The whole copy is one backup step, so it is one read transaction: a consistent snapshot that, in WAL
 * mode, never blocks the listener's writes (a step-by-step copy restarts every time another connection
 * writes between two steps, and under steady webhook traffic might never finish). It is written to a
 * 0600 temporary file beside the destination and renamed into place only once it has passed
 * `PRAGMA integrity_check`, so a failed or interrupted backup never leaves a file that looks like one.
 */
export async function backupStoreTo(db: Store, destination: string): Promise<StoreCopy> {
  if (storeDialect(db) === 'postgres') {
    throw new StoreError(
      `backup copies a SQLite store; ${db.name} is PostgreSQL, whose own pg_dump takes a consistent copy while the listeners keep writing`,
      {
        hint: `run pg_dump --format=custom --file=${destination} with the same URL (the password from PGPASSWORD or ~/.pgpass), and pg_restore to bring it back`,
      },
    );
  }
  const partial = join(
    dirname(destination),
    `.${basename(destination)}.partial-${randomBytes(4).toString('hex')}`,
  );
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    const started = performance.now();
    const progress = await (db as SqliteStore).backup(partial, { progress: () => 0x7fffffff });
    const copyMs = performance.now() - started;
    const verified = verifyCopy(partial);
    syncFile(partial);
    renameSync(partial, destination);
    syncFile(dirname(destination));
    return {
      bytes: statSync(destination).size,
      pages: progress.totalPages,
      copyMs,
      verifyMs: performance.now() - started - copyMs,
      ...verified,
    };
  } catch (error) {
    for (const file of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`])
      rmSync(file, { force: true });
    if (error instanceof StoreError) throw error;
    throw new StoreError(`the backup to ${destination} failed: ${(error as Error).message}`, {
      hint: 'check the free space and permissions of the backup folder',
      cause: error,
    });
  }
}

/**
 * The copy keeps the store's WAL mode in its header; it is switched back to a single self-contained
 * file (a restored copy goes back to WAL when the listener opens it), then checked page by page.
 */
function verifyCopy(path: string): Pick<StoreCopy, 'events' | 'replies' | 'schemaVersion'> {
  const copy = openSqliteFile(path);
  try {
    copy.pragma('journal_mode = DELETE');
    const problems = (copy.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((row) => row.integrity_check)
      .filter((text) => text !== 'ok');
    if (problems.length > 0)
      throw new StoreError(`the backup copy failed its integrity check: ${problems.slice(0, 3).join('; ')}`, {
        hint: 'run doctor on the store, then back up again',
      });
    const count = (table: string) => copy.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return {
      schemaVersion: schemaVersion(copy),
      events: count('email_tracking_events'),
      replies: count('ticket_replies'),
    };
  } finally {
    copy.close();
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
