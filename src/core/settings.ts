/**
 * The SMTP2Go module's settings: one flat record, stored as JSON in `integration_modules.settings`.
 * Each key has one environment variable and one default; flags are mapped by the CLI layer.
 */
export interface Settings {
  enabled: boolean;
  apiKey: string | null;
  apiUrl: string;
  trackingEnabled: boolean;
  trackOpens: boolean;
  trackClicks: boolean;
  webhookSecret: string | null;
  previousWebhookSecret: string | null;
  sender: string | null;
  smtpHost: string | null;
  smtpPort: number;
  smtpUser: string | null;
  smtpPassword: string | null;
  smtpSecure: boolean;
  smtpFrom: string | null;
  portalUrl: string | null;
  fallbackOnTimeout: boolean;
  /** Who tracks relay mail: the portal where SMTP2Go does not (`relay`), every relay copy (`always`), or nobody. */
  firstPartyTracking: FirstPartyTracking;
  /** How long a first-party token records events; fixed when the mail is sent. */
  firstPartyTrackingDays: number;
  plausibleUrl: string | null;
  plausibleDomain: string | null;
}

export type FirstPartyTracking = 'relay' | 'always' | 'off';
export const FIRST_PARTY_TRACKING_MODES: readonly FirstPartyTracking[] = ['relay', 'always', 'off'];

export type SettingKey = keyof Settings;
/** `prompt`: typed into the `configure` wizard (shown in its summary; stored like a flag). */
export type SettingSource = 'flag' | 'prompt' | 'env' | 'stored' | 'default';

const DEFAULT_API_URL = 'https://api.smtp2go.com/v3';

export const REGION_API_URLS: Record<string, string> = {
  global: DEFAULT_API_URL,
  us: 'https://us-api.smtp2go.com/v3',
  eu: 'https://eu-api.smtp2go.com/v3',
  au: 'https://au-api.smtp2go.com/v3',
};

export const DEFAULT_SETTINGS: Settings = {
  enabled: false,
  apiKey: null,
  apiUrl: DEFAULT_API_URL,
  trackingEnabled: true,
  trackOpens: true,
  trackClicks: true,
  webhookSecret: null,
  previousWebhookSecret: null,
  sender: null,
  smtpHost: null,
  // 2525 is SMTP2Go's relay port that ISPs rarely block; STARTTLS is used when the server offers it.
  smtpPort: 2525,
  smtpUser: null,
  smtpPassword: null,
  smtpSecure: false,
  smtpFrom: null,
  portalUrl: null,
  fallbackOnTimeout: false,
  firstPartyTracking: 'relay',
  firstPartyTrackingDays: 180,
  plausibleUrl: null,
  plausibleDomain: null,
};

export const SETTING_ENV_VARS: Record<SettingKey, string> = {
  enabled: 'SMTP2GO_ENABLED',
  apiKey: 'SMTP2GO_API_KEY',
  apiUrl: 'SMTP2GO_API_URL',
  trackingEnabled: 'SMTP2GO_TRACKING',
  trackOpens: 'SMTP2GO_TRACK_OPENS',
  trackClicks: 'SMTP2GO_TRACK_CLICKS',
  webhookSecret: 'SMTP2GO_WEBHOOK_SECRET',
  previousWebhookSecret: 'SMTP2GO_WEBHOOK_SECRET_PREVIOUS',
  sender: 'SMTP2GO_SENDER',
  smtpHost: 'SMTP_HOST',
  smtpPort: 'SMTP_PORT',
  smtpUser: 'SMTP_USER',
  smtpPassword: 'SMTP_PASSWORD',
  smtpSecure: 'SMTP_SECURE',
  smtpFrom: 'SMTP_FROM',
  portalUrl: 'PORTAL_URL',
  fallbackOnTimeout: 'SMTP2GO_FALLBACK_ON_TIMEOUT',
  firstPartyTracking: 'PORTAL_FIRST_PARTY_TRACKING',
  firstPartyTrackingDays: 'PORTAL_FIRST_PARTY_TRACKING_DAYS',
  plausibleUrl: 'PORTAL_PLAUSIBLE_URL',
  plausibleDomain: 'PORTAL_PLAUSIBLE_DOMAIN',
};

/** The flag an operator types for each setting, used in every "missing value" or "invalid" message. */
export const SETTING_FLAGS: Record<SettingKey, string> = {
  enabled: '--enable',
  apiKey: '--api-key',
  apiUrl: '--api-url',
  trackingEnabled: '--tracking',
  trackOpens: '--track-opens',
  trackClicks: '--track-clicks',
  webhookSecret: '--webhook-secret',
  previousWebhookSecret: '--rotate-webhook-secret',
  sender: '--sender',
  smtpHost: '--smtp-host',
  smtpPort: '--smtp-port',
  smtpUser: '--smtp-user',
  smtpPassword: '--smtp-password',
  smtpSecure: '--smtp-secure',
  smtpFrom: '--smtp-from',
  portalUrl: '--portal-url',
  fallbackOnTimeout: '--fallback-on-timeout',
  firstPartyTracking: '--first-party-tracking',
  firstPartyTrackingDays: '--first-party-tracking-days',
  plausibleUrl: '--plausible-url',
  plausibleDomain: '--plausible-domain',
};

export const SECRET_KEYS: ReadonlySet<SettingKey> = new Set<SettingKey>([
  'apiKey',
  'webhookSecret',
  'previousWebhookSecret',
  'smtpPassword',
]);

export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[];
