import { statSync } from 'node:fs';
import { isPortalError } from '../core/errors.js';
import { resolveSettings } from '../core/resolve-settings.js';
import type { Settings } from '../core/settings.js';
import { loadModuleSettings } from '../store/module-settings.js';
import { schemaVersion, storeDialect, type Store } from '../store/open-store.js';
import type { DoctorCheck } from './doctor.js';
import { fail, ok, schemaCheck, warn } from './doctor-check.js';
import { postgresChecks } from './doctor-postgres.js';

/** The effective settings, or the check that explains why they could not be read. */
export function loadSettingsCheck(
  store: Store | null,
  env: NodeJS.ProcessEnv,
): { settings: Settings | null; check: DoctorCheck | null } {
  try {
    return {
      settings: resolveSettings({ env, stored: store === null ? {} : loadModuleSettings(store) }).settings,
      check: null,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Not a bad value but a store that cannot be read (damaged): the database check says what to do.
    if (!isPortalError(error))
      return {
        settings: null,
        check: fail(
          'config',
          `configuration could not be read from the database: ${message}`,
          'see the database check',
        ),
      };
    return {
      settings: null,
      check: fail(
        'config',
        `configuration is invalid: ${message}`,
        error.hint ?? 'fix the value with `configure`',
      ),
    };
  }
}

/** Everything a working install needs, one missing item per line of the fix. */
export function configCheck(settings: Settings): DoctorCheck[] {
  const missing: Array<[string, string]> = [];
  if (settings.apiKey === null) missing.push(['API key', 'configure --api-key']);
  if (settings.sender === null) missing.push(['verified sender', 'configure --sender']);
  if (settings.webhookSecret === null)
    missing.push(['webhook secret', 'configure --generate-webhook-secret']);
  if (settings.portalUrl === null) missing.push(['portal URL', 'configure --portal-url']);
  const checks: DoctorCheck[] = [
    missing.length === 0
      ? ok('config', 'configuration is complete and valid')
      : fail(
          'config',
          `configuration is missing: ${missing.map(([what]) => what).join(', ')}`,
          missing.map(([, fix]) => fix).join('; '),
        ),
  ];
  if (!settings.enabled)
    checks.push(
      warn('module', 'the SMTP2Go module is disabled: replies are not sent through it', 'configure --enable'),
    );
  return checks;
}

export function databaseChecks(store: Store | null, dbPath: string, openError: unknown): DoctorCheck[] {
  if (store === null) {
    const message = openError instanceof Error ? openError.message : String(openError);
    return [
      fail(
        'database',
        message,
        isPortalError(openError) && openError.hint !== undefined ? openError.hint : 'check --db',
      ),
    ];
  }
  if (storeDialect(store) === 'postgres') return postgresChecks(store);
  const restore = `restore a backup, or \`sqlite3 ${dbPath} .recover\` into a new file`;
  let problems: string[];
  let version: number;
  try {
    const result = store.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>;
    problems = result.map((row) => row.quick_check).filter((text) => text !== 'ok');
    version = schemaVersion(store);
  } catch (error) {
    // A header that opens but pages that do not read (SQLITE_CORRUPT): quick_check itself fails.
    return [
      fail(
        'database',
        `${dbPath} is damaged: ${error instanceof Error ? error.message : String(error)}`,
        restore,
      ),
      permissionsCheck(dbPath),
    ];
  }
  const checks: DoctorCheck[] = [];
  checks.push(
    problems.length === 0
      ? ok('database', `integrity ok (${dbPath})`)
      : fail('database', `${dbPath}: integrity check failed: ${problems.slice(0, 3).join('; ')}`, restore),
  );
  checks.push(schemaCheck(version));
  checks.push(permissionsCheck(dbPath));
  return checks;
}

/** The database holds API keys and webhook secrets: it and its -wal/-shm files must be 0600. */
function permissionsCheck(dbPath: string): DoctorCheck {
  const loose: string[] = [];
  for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    try {
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o077) !== 0) loose.push(`${file} (${mode.toString(8)})`);
    } catch {
      // A missing -wal/-shm file is normal.
    }
  }
  return loose.length === 0
    ? ok('permissions', 'database files are private (0600)')
    : fail(
        'permissions',
        `readable by other users: ${loose.join(', ')}`,
        `chmod 600 ${loose.map((entry) => entry.replace(/ \(\d+\)$/, '')).join(' ')}`,
      );
}
