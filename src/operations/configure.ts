import { ConfigError } from '../core/errors.js';
import { resolveSettings, type SettingFlags } from '../core/resolve-settings.js';
import { generateWebhookSecret } from '../core/secrets.js';
import { settingsWarnings, viewSettings, type SettingView } from '../core/settings-view.js';
import { SETTING_KEYS, type Settings } from '../core/settings.js';
import { loadModuleSettings, saveModuleSettings } from '../store/module-settings.js';
import type { Store } from '../store/open-store.js';

export interface ConfigureOptions {
  flags: SettingFlags;
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
  const { settings, sources } = resolveSettings({ flags: options.flags, env: deps.env, stored });
  const next = { ...settings };
  const explicit = new Set(SETTING_KEYS.filter((key) => sources[key] !== 'default'));
  let generated: string | null = null;
  const newSecret = deps.newSecret ?? generateWebhookSecret;
  if (options.rotateWebhookSecret) {
    if (next.webhookSecret === null) {
      throw new ConfigError('--rotate-webhook-secret: there is no current webhook secret to rotate', 'use --generate-webhook-secret first');
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
    throw new ConfigError('--api-key is required to enable the SMTP2Go module', 'pass --api-key api-… or set SMTP2GO_API_KEY (or --disable)');
  }
  const toStore = Object.fromEntries([...explicit].map((key) => [key, next[key]])) as Partial<Settings>;
  return { next, toStore, generatedWebhookSecret: generated };
}

export function applyConfigurePlan(plan: ConfigurePlan, deps: ConfigureDeps): ConfigureResult {
  const notice = saveModuleSettings(deps.store, plan.toStore, deps.now());
  const { settings, sources } = resolveSettings({ env: deps.env, stored: loadModuleSettings(deps.store) });
  return {
    settings: viewSettings(settings, sources),
    generatedWebhookSecret: plan.generatedWebhookSecret,
    warnings: [...(notice === null ? [] : [notice]), ...settingsWarnings(settings)],
  };
}

export async function runConfigure(options: ConfigureOptions, deps: ConfigureDeps): Promise<ConfigureResult> {
  return applyConfigurePlan(planConfigure(options, deps), deps);
}
