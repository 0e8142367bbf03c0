import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { ConfigError, UsageError } from '../core/errors.js';
import { isPostgresLocation } from './postgres/location.js';

/**
 * `--db`, else SMTP2GO_PORTAL_DB, else $XDG_DATA_HOME/smtp2go-portal/portal.db (~/.local/share when unset).
 * An empty `--db` is refused rather than read as "not given" (a script's unset variable would otherwise
 * point every command at the default store); an empty SMTP2GO_PORTAL_DB is unset, as the shell has it.
 * A path ending in a separator names a folder: refused with the file name to give, because resolving it
 * would drop the separator and create a database file with the folder's name.
 */
export function resolveDbPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
): string {
  if (flag !== undefined) {
    // A PostgreSQL URL is not a path (pg-cli refines its checks).
    if (isPostgresLocation(flag)) return flag;
    if (flag.trim() === '')
      throw new UsageError(
        '--db is empty',
        'give the database file, e.g. --db ./portal.db, or leave --db out for the default store',
      );
    return resolve(fileOnly(flag, '--db', (message, hint) => new UsageError(message, hint)));
  }
  const fromEnv = env.SMTP2GO_PORTAL_DB;
  if (fromEnv !== undefined && isPostgresLocation(fromEnv)) return fromEnv;
  if (fromEnv !== undefined && fromEnv !== '')
    return resolve(fileOnly(fromEnv, 'SMTP2GO_PORTAL_DB', (message, hint) => new ConfigError(message, hint)));
  const dataHome =
    env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== ''
      ? env.XDG_DATA_HOME
      : join(home, '.local', 'share');
  return join(dataHome, 'smtp2go-portal', 'portal.db');
}

function fileOnly(path: string, name: string, error: (message: string, hint: string) => Error): string {
  if (path.endsWith('/') || path.endsWith(sep))
    throw error(
      `${name} "${path}" ends in "/", so it names a folder, not the database file`,
      `give a file in it, e.g. ${join(path, 'portal.db')}`,
    );
  return path;
}
