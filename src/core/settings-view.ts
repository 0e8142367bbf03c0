import { maskSecret } from './mask.js';
import {
  SECRET_KEYS,
  SETTING_ENV_VARS,
  SETTING_FLAGS,
  SETTING_KEYS,
  type SettingKey,
  type SettingSource,
  type Settings,
} from './settings.js';

export interface SettingView {
  key: SettingKey;
  value: string | number | boolean | null;
  source: SettingSource;
  secret: boolean;
  flag: string;
  env: string;
}

/** Settings as they may be shown: every secret masked, never whole. */
export function viewSettings(settings: Settings, sources: Record<SettingKey, SettingSource>): SettingView[] {
  return SETTING_KEYS.map((key) => {
    const secret = SECRET_KEYS.has(key);
    const raw = settings[key];
    return {
      key,
      value: secret ? maskSecret(raw as string | null) : raw,
      source: sources[key],
      secret,
      flag: SETTING_FLAGS[key],
      env: SETTING_ENV_VARS[key],
    };
  });
}

/**
 * Notes about settings that are valid but will not do what the operator may expect. The missing relay is
 * only worth saying when the operator asks about the whole configuration (`configure --show`; `doctor`
 * has its own check), not after every `configure`.
 */
export function settingsWarnings(settings: Settings, { relay = true }: { relay?: boolean } = {}): string[] {
  const warnings: string[] = [];
  if (!settings.trackingEnabled && (settings.trackOpens || settings.trackClicks)) {
    warnings.push(
      'open and click tracking have no effect while tracking is off (turn it on with --tracking)',
    );
  }
  if (settings.enabled && settings.sender === null) {
    const relay =
      settings.smtpHost !== null && settings.smtpFrom !== null
        ? '; until then send-test uses the SMTP relay'
        : '';
    warnings.push(
      `no default sender: every send through the API needs one (a verified SMTP2Go sender: --sender)${relay}`,
    );
  }
  if (settings.enabled && settings.webhookSecret === null) {
    warnings.push(
      'no webhook secret: `webhook serve` will generate one on first start (or use --generate-webhook-secret)',
    );
  }
  if (settings.firstPartyTracking !== 'off' && settings.smtpHost !== null && settings.portalUrl === null) {
    warnings.push(
      'first-party tracking needs a portal URL: relay mail goes out untracked until one is set (--portal-url)',
    );
  }
  if ((settings.plausibleUrl === null) !== (settings.plausibleDomain === null)) {
    warnings.push(
      'Plausible forwarding needs both --plausible-url and --plausible-domain; nothing is forwarded',
    );
  }
  if (relay && settings.smtpHost === null) {
    warnings.push('no SMTP relay configured: there is no fallback when the API fails (--smtp-host)');
  }
  return warnings;
}
