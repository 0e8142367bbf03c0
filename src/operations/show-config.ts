import { statSync } from 'node:fs';
import { resolveSettings, type SettingFlags } from '../core/resolve-settings.js';
import { settingsWarnings, viewSettings, type SettingView } from '../core/settings-view.js';
import { loadModuleSettings } from '../store/module-settings.js';
import { storeDialect, type Store } from '../store/open-store.js';

export interface ShowConfigResult {
  dbPath: string;
  settings: SettingView[];
  warnings: string[];
}

export interface ShowConfigDeps {
  store: Store;
  env: NodeJS.ProcessEnv;
  /** The SQLite path, checked for its mode; a PostgreSQL store is shown by its name, without the password. */
  dbPath: string;
}

/** The effective configuration with the source of each value; secrets masked. */
export function runShowConfig(flags: SettingFlags, deps: ShowConfigDeps): ShowConfigResult {
  const { settings, sources } = resolveSettings({
    flags,
    env: deps.env,
    stored: loadModuleSettings(deps.store),
  });
  const warnings = settingsWarnings(settings);
  const postgres = storeDialect(deps.store) === 'postgres';
  const permissionWarning = postgres ? null : filePermissionWarning(deps.dbPath);
  if (permissionWarning !== null) warnings.unshift(permissionWarning);
  return {
    dbPath: postgres ? deps.store.name : deps.dbPath,
    settings: viewSettings(settings, sources),
    warnings,
  };
}

function filePermissionWarning(path: string): string | null {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      const mode = statSync(file).mode & 0o777;
      if ((mode & 0o077) !== 0) {
        return `${file} is readable by other users (mode ${mode.toString(8)}); it holds secrets: chmod 600 ${file}`;
      }
    } catch {
      // A missing -wal/-shm file is normal.
    }
  }
  return null;
}
