import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `--db`, else SMTP2GO_PORTAL_DB, else $XDG_DATA_HOME/smtp2go-portal/portal.db (~/.local/share when unset). */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv, home: string = homedir()): string {
  if (flag !== undefined && flag !== '') return resolve(flag);
  const fromEnv = env.SMTP2GO_PORTAL_DB;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const dataHome = env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(dataHome, 'smtp2go-portal', 'portal.db');
}
