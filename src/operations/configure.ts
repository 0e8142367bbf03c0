import { ConfigError } from '../core/errors.js';
import { resolveSettings, type SettingFlags } from '../core/resolve-settings.js';
import { generateWebhookSecret } from '../core/secrets.js';
import { settingsWarnings, viewSettings, type SettingView } from '../core/settings-view.js';
import { SETTING_KEYS, type SettingKey, type Settings } from '../core/settings.js';
import { loadModuleSettings, saveModuleSettings } from '../store/module-settings.js';
import type { Store } from '../store/open-store.js';

export interface ConfigureOptions {
  flags: SettingFlags;
  /** Stored settings to drop, so they fall back to the environment or the default (the wizard's emptied fields). */
  clear?: SettingKey[];
  generateWebhookSecret?: boolean;
  rotateWebhookSecret?: boolean;
}

export interface ConfigureDeps {
  store: Store;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  newSecret?: () => string;
}

export interface ConfigurePlan {
  next: Settings;
  /** What gets stored: every value that did not come from a default, so defaults stay defaults. */
  toStore: Partial<Settings>;
  /** Shown once to the operator, because it must be pasted into SMTP2Go's webhook settings. */
  generatedWebhookSecret: string | null;
}

export interface ConfigureResult {
  /** False when the plan would store exactly what is stored already: nothing was written. */
  saved: boolean;
  /** The settings whose stored value changed (set, changed or removed). */
  changed: SettingKey[];
  settings: SettingView[];
  generatedWebhookSecret: string | null;
  warnings: string[];
}

/**
 * Works out what would be saved: stored values overlaid by the environment and then the flags,
 * all validated. Throws before anything is written, so invalid input leaves the store unchanged.
 */
export function planConfigure(options: ConfigureOptions, deps: Omit<ConfigureDeps, 'now'>): ConfigurePlan {
  const stored = loadModuleSettings(deps.store);
  for (const key of options.clear ?? []) delete stored[key];
  const { settings, sources } = resolveSettings({ flags: options.flags, env: deps.env, stored });
  const next = { ...settings };
  const explicit = new Set(SETTING_KEYS.filter((key) => sources[key] !== 'default'));
  let generated: string | null = null;
  const newSecret = deps.newSecret ?? generateWebhookSecret;
  if (options.rotateWebhookSecret) {
    if (next.webhookSecret === null) {
      throw new ConfigError(
        '--rotate-webhook-secret: there is no current webhook secret to rotate',
        'use --generate-webhook-secret first',
      );
    }
    next.previousWebhookSecret = next.webhookSecret;
    generated = newSecret();
    next.webhookSecret = generated;
    explicit.add('previousWebhookSecret').add('webhookSecret');
  } else if (options.generateWebhookSecret) {
    generated = newSecret();
    next.webhookSecret = generated;
    explicit.add('webhookSecret');
  }
  if (next.enabled && next.apiKey === null) {
    throw new ConfigError(
      '--api-key is required to enable the SMTP2Go module',
      'pass --api-key api-… or set SMTP2GO_API_KEY (or --disable)',
    );
  }
  const toStore = Object.fromEntries([...explicit].map((key) => [key, next[key]])) as Partial<Settings>;
  return { next, toStore, generatedWebhookSecret: generated };
}

export function applyConfigurePlan(plan: ConfigurePlan, deps: ConfigureDeps): ConfigureResult {
  const changed = changedKeys(loadModuleSettings(deps.store), plan.toStore);
  const notice = changed.length > 0 ? saveModuleSettings(deps.store, plan.toStore, deps.now()) : null;
  const { settings, sources } = resolveSettings({ env: deps.env, stored: loadModuleSettings(deps.store) });
  return {
    saved: changed.length > 0,
    changed,
    settings: viewSettings(settings, sources),
    generatedWebhookSecret: plan.generatedWebhookSecret,
    warnings: [...(notice === null ? [] : [notice]), ...settingsWarnings(settings, { relay: false })],
  };
}

/** Stored settings that `toStore` sets, changes or drops (`enabled` is stored even when false). */
function changedKeys(stored: Partial<Settings>, toStore: Partial<Settings>): SettingKey[] {
  const value = (settings: Partial<Settings>, key: SettingKey) =>
    key === 'enabled' ? settings.enabled === true : (settings[key] ?? null);
  return SETTING_KEYS.filter(
    (key) => JSON.stringify(value(stored, key)) !== JSON.stringify(value(toStore, key)),
  );
}
