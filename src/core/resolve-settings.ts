import { ConfigError, isPortalError } from './errors.js';
import {
  DEFAULT_SETTINGS,
  SETTING_ENV_VARS,
  SETTING_KEYS,
  type SettingKey,
  type SettingSource,
  type Settings,
} from './settings.js';
import { parseSettingValue, type RawSettingValue } from './validate-settings.js';

export type SettingFlags = Partial<Record<SettingKey, RawSettingValue>>;

export interface ResolvedSettings {
  settings: Settings;
  sources: Record<SettingKey, SettingSource>;
}

export interface ResolveSettingsInput {
  flags?: SettingFlags;
  env?: NodeJS.ProcessEnv;
  stored?: Partial<Settings>;
}

/** Precedence everywhere: flag > environment > stored setting > default. */
export function resolveSettings({ flags = {}, env = {}, stored = {} }: ResolveSettingsInput): ResolvedSettings {
  const settings = { ...DEFAULT_SETTINGS } as Record<SettingKey, unknown>;
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    sources[key] = 'default';
    const storedValue = stored[key];
    if (storedValue !== undefined && storedValue !== null) {
      settings[key] = storedValue;
      sources[key] = 'stored';
    }
    const envValue = env[SETTING_ENV_VARS[key]];
    if (envValue !== undefined && envValue.trim() !== '') {
      settings[key] = parseFromEnv(key, envValue);
      sources[key] = 'env';
    }
    const flagValue = flags[key];
    if (flagValue !== undefined) {
      settings[key] = parseSettingValue(key, flagValue);
      sources[key] = 'flag';
    }
  }
  return { settings: settings as unknown as Settings, sources };
}

function parseFromEnv(key: SettingKey, value: string): unknown {
  try {
    return parseSettingValue(key, value);
  } catch (error) {
    // Name the variable rather than the flag: that is what the operator has to fix.
    if (isPortalError(error)) {
      const problem = error.message.replace(/^--[a-z-]+: /, '');
      throw new ConfigError(`${SETTING_ENV_VARS[key]}: ${problem}`, error.hint);
    }
    throw error;
  }
}
