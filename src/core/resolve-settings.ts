import { ConfigError, isPortalError } from './errors.js';
import {
  DEFAULT_SETTINGS,
  SETTING_ENV_VARS,
  SETTING_FLAGS,
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
export function resolveSettings({
  flags = {},
  env = {},
  stored = {},
}: ResolveSettingsInput): ResolvedSettings {
  const settings = { ...DEFAULT_SETTINGS } as Record<SettingKey, unknown>;
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const key of SETTING_KEYS) {
    sources[key] = 'default';
    const storedValue = stored[key];
    if (storedValue !== undefined && storedValue !== null) {
      // A stored API URL is checked again: one saved before the https rule must not receive the key either.
      settings[key] = key === 'apiUrl' ? parseStored(key, storedValue) : storedValue;
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

function parseStored(key: SettingKey, value: unknown): unknown {
  try {
    return parseSettingValue(key, value as RawSettingValue);
  } catch (error) {
    if (isPortalError(error))
      throw new ConfigError(
        `stored setting ${error.message}`,
        `save a valid one with configure ${SETTING_FLAGS[key]}`,
      );
    throw error;
  }
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
