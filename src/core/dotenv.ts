import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { DEFAULT_SETTINGS, SECRET_KEYS, SETTING_ENV_VARS, SETTING_KEYS, type Settings } from './settings.js';
import { parseSettingValue } from './validate-settings.js';

export interface DotEnv {
  /** Where the file was looked for. */
  path: string;
  /** The names it filled in (never their values). */
  filled: string[];
  /** Lines whose value is probably not what the author meant; one sentence each, without the value. */
  warnings: string[];
}

/**
 * Reads `.env` from the working directory into `env` without overriding variables already set,
 * so a value exported in the shell always wins over the file.
 */
export function loadDotEnv(cwd: string, env: NodeJS.ProcessEnv): DotEnv {
  const path = join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { path, filled: [], warnings: [] };
  }
  const parsed = parseEnv(text) as Record<string, string>;
  const filled: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (env[name] === undefined) {
      env[name] = value;
      filled.push(name);
    }
  }
  return {
    path,
    filled,
    warnings: cutAtHash(text).map(
      ({ line, name }) =>
        `${path} line ${line}: the value of ${name} is cut at "#" (an unquoted # starts a comment); put the value in quotes if the # belongs to it`,
    ),
  };
}

/**
 * Unquoted values in which a `#` touches the value (`SECRET=ab#cd`): Node, like dotenv, reads the rest as
 * a comment and keeps `ab` without a word, which silently shortens a secret. A `#` after a space is taken
 * for the comment it usually is.
 */
function cutAtHash(text: string): Array<{ line: number; name: string }> {
  const found: Array<{ line: number; name: string }> = [];
  text.split(/\r?\n/).forEach((source, index) => {
    const match = /^\s*(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(source);
    const value = match?.[2] ?? '';
    if (match === null || /^["'`]/.test(value)) return;
    if (/^#|[^\s#]#/.test(value)) found.push({ line: index + 1, name: match[1] as string });
  });
  return found;
}

/**
 * The settings a `.env` takes over from the store: a variable it filled with another value than the stored
 * one, and the API URL or SMTP host (or port) when it sends the stored key or password somewhere else than
 * the store says. A `.env` that repeats what is stored (`configure` saves what it read) changes nothing and
 * is not named. The explanation goes after the name, never a value.
 */
export function dotEnvOverrides(
  filled: readonly string[],
  env: NodeJS.ProcessEnv,
  stored: Partial<Settings>,
): string[] {
  const names = new Set(filled);
  const has = (key: keyof Settings) => stored[key] !== undefined && stored[key] !== null;
  const overrides: string[] = [];
  for (const key of SETTING_KEYS) {
    const name = SETTING_ENV_VARS[key];
    const raw = env[name];
    if (!names.has(name) || raw === undefined || raw.trim() === '') continue;
    let value: unknown;
    try {
      value = parseSettingValue(key, raw);
    } catch {
      continue; // the command reports the bad value itself
    }
    const current = has(key) ? stored[key] : DEFAULT_SETTINGS[key];
    if (value === current) continue;
    if (key === 'apiUrl' && has('apiKey')) overrides.push(`${name} (the stored API key is sent there)`);
    else if ((key === 'smtpHost' || key === 'smtpPort') && has('smtpPassword'))
      overrides.push(`${name} (the stored SMTP password is sent there)`);
    else if (has(key)) overrides.push(SECRET_KEYS.has(key) ? `${name} (a secret)` : name);
  }
  return overrides;
}
