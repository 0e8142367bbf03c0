import { ConfigError } from './errors.js';
import { isLoopbackHost } from './loopback.js';
import {
  SETTING_ENV_VARS,
  SETTING_FLAGS,
  type SettingKey,
  type Settings,
  FIRST_PARTY_TRACKING_MODES,
  type FirstPartyTracking,
} from './settings.js';

const API_KEY_PATTERN = /^api-[A-Za-z0-9]{32}$/;
// Deliberately loose: the mailbox grammar is checked by the address parser when mail is sent;
// here we only catch typos such as a missing @ or spaces.
const ADDRESS_PATTERN = /^(?:[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+|.*<[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>)$/;

export type RawSettingValue = string | boolean | number | null;

function invalid(key: SettingKey, problem: string, fix: string): ConfigError {
  return new ConfigError(`${SETTING_FLAGS[key]}: ${problem}`, fix);
}

function parseBoolean(key: SettingKey, value: RawSettingValue): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw invalid(
    key,
    `"${String(value)}" is not a yes/no value`,
    `use true or false (${SETTING_ENV_VARS[key]})`,
  );
}

function parsePort(value: RawSettingValue): number {
  const text = String(value).trim();
  if (typeof value !== 'number' && !/^\d+$/.test(text)) {
    throw invalid(
      'smtpPort',
      `"${String(value)}" is not a number`,
      'give a port between 1 and 65535, e.g. 2525',
    );
  }
  const port = typeof value === 'number' ? value : Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(
      'smtpPort',
      `port "${String(value)}" is out of range`,
      'give a port between 1 and 65535, e.g. 2525',
    );
  }
  return port;
}

function parseHttpUrl(key: SettingKey, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(key, `"${value}" is not a URL`, 'give a full URL such as https://portal.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(key, `"${value}" must use http or https`, 'give a URL starting with https://');
  }
  // Every API request carries the key in a header: in clear text only to this machine (tests, a local proxy).
  if (key === 'apiUrl' && url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw invalid(
      key,
      `"${value}" must use https (every request carries the API key)`,
      'give an https:// URL, or --region; plain http is allowed only on a loopback host (127.0.0.1, ::1, localhost)',
    );
  }
  return value.replace(/\/+$/, '');
}

function parseTrackingMode(value: RawSettingValue): FirstPartyTracking {
  const text = String(value).trim().toLowerCase();
  const mode = FIRST_PARTY_TRACKING_MODES.find((m) => m === text);
  if (mode === undefined)
    throw invalid(
      'firstPartyTracking',
      `"${String(value)}" is not a tracking mode`,
      'use relay, always or off',
    );
  return mode;
}

function parseDays(value: RawSettingValue): number {
  const days = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw invalid(
      'firstPartyTrackingDays',
      `"${String(value)}" is not a number of days`,
      'give whole days between 1 and 3650, e.g. 180',
    );
  }
  return days;
}

/** Validates one raw value (from a flag, the environment, a prompt or the store) into its typed form. */
export function parseSettingValue<K extends SettingKey>(key: K, value: RawSettingValue): Settings[K] {
  return parseAny(key, value) as Settings[K];
}

function parseAny(key: SettingKey, value: RawSettingValue): Settings[SettingKey] {
  switch (key) {
    case 'enabled':
    case 'trackingEnabled':
    case 'trackOpens':
    case 'trackClicks':
    case 'smtpSecure':
    case 'fallbackOnTimeout':
      return parseBoolean(key, value);
    case 'smtpPort':
      return parsePort(value);
    case 'firstPartyTracking':
      return parseTrackingMode(value);
    case 'firstPartyTrackingDays':
      return parseDays(value);
    default:
      return parseText(key, value);
  }
}

function parseText(key: SettingKey, value: RawSettingValue): string | null {
  if (value === null) return null;
  const text = String(value).trim();
  if (text === '') return null;
  if (/[\r\n]/.test(text)) throw invalid(key, 'value contains a line break', 'give the value on one line');
  // ESC, NUL, C1 and the like: never part of a host, an address, a key or a password; a terminal acts on them.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text))
    throw invalid(key, 'value contains a control character', 'give the value as plain text');
  switch (key) {
    case 'apiKey':
      if (!API_KEY_PATTERN.test(text)) {
        throw invalid(
          key,
          'the API key is malformed',
          'SMTP2Go keys look like api- followed by 32 letters or digits (Settings > API Keys)',
        );
      }
      return text;
    case 'apiUrl':
    case 'portalUrl':
    case 'plausibleUrl':
      return parseHttpUrl(key, text);
    case 'plausibleDomain':
      if (/[\s/:]/.test(text))
        throw invalid(
          key,
          `"${text}" is not a site domain`,
          'give the domain of the Plausible site, e.g. portal.example.com',
        );
      return text;
    case 'sender':
    case 'smtpFrom':
      if (!ADDRESS_PATTERN.test(text)) {
        throw invalid(
          key,
          `"${text}" is not an email address`,
          'give an address such as support@example.com or "Support <support@example.com>"',
        );
      }
      return text;
    case 'smtpHost':
      if (/[\s/:]/.test(text))
        throw invalid(
          key,
          `"${text}" is not a host name`,
          'give a host only, e.g. mail.smtp2go.com (the port goes in --smtp-port)',
        );
      return text;
    case 'webhookSecret':
    case 'previousWebhookSecret':
      if (text.length < 16)
        throw invalid(
          key,
          'the webhook secret is shorter than 16 characters',
          'use --generate-webhook-secret for a strong one',
        );
      return text;
    default:
      return text;
  }
}
