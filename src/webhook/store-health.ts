import { statSync } from 'node:fs';
import { schemaVersion, storeDialect, type Store } from '../store/open-store.js';
import type { GroupCommitter } from './commit/commit-batch.js';

/** Which file a path named when the store was opened: device and inode (bigint: inodes may pass 2^53). */
export interface StoreFileIdentity {
  dev: bigint;
  ino: bigint;
}

/** The identity of the file at `path`, or null when there is none (a memory store, a deleted file). */
export function fileIdentity(path: string): StoreFileIdentity | null {
  if (path === ':memory:' || path === '') return null;
  try {
    const { dev, ino } = statSync(path, { bigint: true });
    return { dev, ino };
  } catch {
    return null;
  }
}

/**
 * Why `path` no longer names the file the store was opened on, or null while it does. SQLite keeps
 * writing to an open file after it is deleted or renamed over (a backup restored in place), so commits
 * would "succeed" into a file nobody will ever read again. One stat: cheap enough before every batch.
 */
export function storeFileMoved(path: string, opened: StoreFileIdentity): string | null {
  const now = fileIdentity(path);
  if (now === null) return `the store file ${path} was deleted while the listener ran; restart it`;
  if (now.dev !== opened.dev || now.ino !== opened.ino)
    return `the store file ${path} was replaced while the listener ran; restart it to use the new file`;
  return null;
}

export type StoreHealth = { ok: true; schemaVersion: number } | { ok: false; reason: string };

/**
 * Whether the store can take a commit now, for /healthz: the path still names the file the listener
 * writes, the last commit did not fail for the store itself (a lock held by another writer is busy,
 * not broken), and a quick read works: the schema, then each table's root and last page, where the
 * next rows go. A few pages per table, never the whole file (damage elsewhere shows at the next commit).
 */
export function createStoreHealth(
  store: Store,
  committer: GroupCommitter,
  opened: StoreFileIdentity | null,
): () => StoreHealth {
  return () => {
    const moved = opened === null ? null : storeFileMoved(store.name, opened);
    if (moved !== null) return { ok: false, reason: moved };
    const failure = committer.failure();
    if (failure !== null) return { ok: false, reason: failure };
    try {
      // PostgreSQL keeps its own pages; a round trip that reads the schema version shows it answers.
      if (storeDialect(store) === 'postgres') return { ok: true, schemaVersion: schemaVersion(store) };
      const tables = store
        .prepare(
          "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%WITHOUT ROWID%'",
        )
        .pluck()
        .all() as string[];
      for (const table of tables)
        store.prepare(`SELECT max(rowid) FROM "${table.replaceAll('"', '""')}"`).get();
      return { ok: true, schemaVersion: schemaVersion(store) };
    } catch (error) {
      return {
        ok: false,
        reason: `the store cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
}
