import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PortalError, StoreError, UsageError } from '../core/errors.js';
import { backupStoreTo, type StoreCopy } from '../store/backup-store.js';
import type { Store } from '../store/open-store.js';
import { isPostgresLocation } from '../store/postgres/location.js';

export interface BackupOptions {
  /** Where the copy goes (a file; its folder must exist). */
  file: string;
  /** Replace an existing file. */
  force: boolean;
}

export interface BackupDeps {
  /** The store's path, so the copy can never land on the store itself (or its PostgreSQL URL). */
  dbPath: string;
  openStore: () => Promise<Store>;
}

export interface BackupResult extends StoreCopy {
  source: string;
  file: string;
  replaced: boolean;
}

/** A consistent, verified, 0600 copy of the store, safe to take while the listener is running. */
export async function runBackup(options: BackupOptions, deps: BackupDeps): Promise<BackupResult> {
  const file = resolve(options.file);
  if (isPostgresLocation(deps.dbPath)) return refusePostgres(file, deps);
  const folder = dirname(file);
  if (!existsSync(folder))
    throw new UsageError(
      `cannot back up to ${file}: the folder ${folder} does not exist`,
      `create it first (mkdir -p ${folder})`,
    );
  const exists = existsSync(file);
  if (exists && statSync(file).isDirectory())
    throw new UsageError(
      `cannot back up to ${file}: it is a folder`,
      'name a file inside it, e.g. portal-backup.db',
    );
  if (isStoreFile(file, deps.dbPath))
    throw new UsageError(`cannot back up the store onto itself (${file})`, 'name another file');
  if (exists && !options.force)
    throw new UsageError(`${file} already exists`, 'choose a new name, or pass --force to replace it');
  const store = await deps.openStore();
  const copy = await backupStoreTo(store, file);
  return { source: deps.dbPath, file, replaced: exists, ...copy };
}

/**
 * A PostgreSQL store is copied with pg_dump, which the store's own refusal explains; asking this tool for
 * it is a matter of configuration (the store is the wrong kind for the command), so it exits 2, and before
 * any check of the destination, which pg_dump would write instead.
 */
async function refusePostgres(file: string, deps: BackupDeps): Promise<never> {
  const store = await deps.openStore();
  try {
    await backupStoreTo(store, file);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    throw new PortalError('config', error.message, error.hint === undefined ? {} : { hint: error.hint });
  }
  throw new Error('backupStoreTo copied a PostgreSQL store');
}

function isStoreFile(file: string, dbPath: string): boolean {
  const real = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));
  const store = real(dbPath);
  return [store, `${store}-wal`, `${store}-shm`, `${store}-journal`].includes(real(file));
}
