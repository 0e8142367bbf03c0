import type { Settings } from '../core/settings.js';
import { makeStorePrivate, type Store } from './open-store.js';

const MODULE_SLUG = 'smtp2go';

interface ModuleRow {
  enabled: number;
  settings: string;
}

/** The stored settings of the SMTP2Go module, or an empty object before the first `configure`. */
export function loadModuleSettings(db: Store): Partial<Settings> {
  const row = db
    .prepare('SELECT enabled, settings FROM integration_modules WHERE slug = ?')
    .get(MODULE_SLUG) as ModuleRow | undefined;
  if (row === undefined) return {};
  const settings = JSON.parse(row.settings) as Partial<Settings>;
  return { ...settings, enabled: row.enabled === 1 };
}

/**
 * Replaces the module's settings in one statement, so a failed validation never leaves half a save. They
 * hold the API key and secrets, so the store is made private first; returns the notice when it was not.
 */
export function saveModuleSettings(db: Store, settings: Partial<Settings>, now: Date): string | null {
  const notice = makeStorePrivate(db);
  const { enabled = false, ...rest } = settings;
  db.prepare(
    `INSERT INTO integration_modules (slug, enabled, settings, created_at, updated_at)
     VALUES (@slug, @enabled, @settings, @now, @now)
     ON CONFLICT (slug) DO UPDATE SET enabled = excluded.enabled, settings = excluded.settings, updated_at = excluded.updated_at`,
  ).run({
    slug: MODULE_SLUG,
    enabled: enabled ? 1 : 0,
    settings: JSON.stringify(rest),
    now: now.toISOString(),
  });
  return notice;
}
