import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { ConfigError, UsageError } from '../core/errors.js';
import { isPostgresLocation, redactPostgresUrl } from './postgres/location.js';

/**
 * `--db`, else SMTP2GO_PORTAL_DB, else $XDG_DATA_HOME/smtp2go-portal/portal.db (~/.local/share when unset).
 * An empty `--db` is refused rather than read as "not given" (a script's unset variable would otherwise
 * point every command at the default store); an empty SMTP2GO_PORTAL_DB is unset, as the shell has it.
 * A path ending in a separator names a folder: refused with the file name to give, because resolving it
 * would drop the separator and create a database file with the folder's name. A `postgres://` or
 * `postgresql://` URL is the PostgreSQL store's location and is returned as given (never resolved as a path).
 */
export function resolveDbPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string = homedir(),
): string {
  if (flag !== undefined) {
    if (flag.trim() === '')
      throw new UsageError(
        '--db is empty',
        'give the database file, e.g. --db ./portal.db, or leave --db out for the default store',
      );
    return location(flag, '--db', (message, hint) => new UsageError(message, hint));
  }
  const fromEnv = env.SMTP2GO_PORTAL_DB;
  if (fromEnv !== undefined && fromEnv !== '')
    return location(fromEnv, 'SMTP2GO_PORTAL_DB', (message, hint) => new ConfigError(message, hint));
  const dataHome =
    env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== ''
      ? env.XDG_DATA_HOME
      : join(home, '.local', 'share');
  return join(dataHome, 'smtp2go-portal', 'portal.db');
}

type ErrorOf = (message: string, hint: string) => Error;

function location(value: string, name: string, error: ErrorOf): string {
  if (isPostgresLocation(value)) return postgresUrl(value, name, error);
  return resolve(fileOnly(value, name, error));
}

/**
 * Checked here, before any connection, so a mistyped URL is a usage error that names the flag; the value is
 * shown only redacted, since an unparseable URL may still hold the password.
 */
function postgresUrl(value: string, name: string, error: ErrorOf): string {
  try {
    new URL(value);
    return value;
  } catch {
    throw error(
      `${name} "${redactPostgresUrl(value)}" is not a valid PostgreSQL URL`,
      'write it as postgres://user@host:5432/database and keep the password in PGPASSWORD or ~/.pgpass; one in the URL must be percent-encoded',
    );
  }
}

function fileOnly(path: string, name: string, error: ErrorOf): string {
  if (path.endsWith('/') || path.endsWith(sep))
    throw error(
      `${name} "${path}" ends in "/", so it names a folder, not the database file`,
      `give a file in it, e.g. ${join(path, 'portal.db')}`,
    );
  return path;
}
