import { isPortalError } from '../../../core/errors.js';
import type { SettingFlags } from '../../../core/resolve-settings.js';
import type { SettingKey, Settings } from '../../../core/settings.js';
import { parseSettingValue } from '../../../core/validate-settings.js';
import type { Prompter } from '../../prompts.js';

interface Question {
  key: SettingKey;
  message: string;
  kind: 'text' | 'secret' | 'yesno';
  /** Asked only when this returns true for the answers so far. */
  when?: (answers: Settings) => boolean;
}

const QUESTIONS: Question[] = [
  { key: 'apiKey', message: 'SMTP2Go API key', kind: 'secret' },
  { key: 'enabled', message: 'Enable the SMTP2Go module?', kind: 'yesno' },
  { key: 'apiUrl', message: 'API base URL', kind: 'text' },
  { key: 'trackingEnabled', message: 'Enable tracking?', kind: 'yesno' },
  { key: 'trackOpens', message: 'Track opens?', kind: 'yesno', when: (a) => a.trackingEnabled },
  { key: 'trackClicks', message: 'Track clicks?', kind: 'yesno', when: (a) => a.trackingEnabled },
  { key: 'webhookSecret', message: 'Webhook secret (Enter keeps the current one; empty generates one on `webhook serve`)', kind: 'secret' },
  { key: 'sender', message: 'Default sender (a verified SMTP2Go sender)', kind: 'text' },
  { key: 'smtpHost', message: 'SMTP relay host (fallback), e.g. mail.smtp2go.com', kind: 'text' },
  { key: 'smtpPort', message: 'SMTP relay port', kind: 'text', when: (a) => a.smtpHost !== null },
  { key: 'smtpSecure', message: 'Implicit TLS (port 465/8465/443)?', kind: 'yesno', when: (a) => a.smtpHost !== null },
  { key: 'smtpUser', message: 'SMTP user', kind: 'text', when: (a) => a.smtpHost !== null },
  { key: 'smtpPassword', message: 'SMTP password', kind: 'secret', when: (a) => a.smtpHost !== null },
  { key: 'smtpFrom', message: 'Relay From address (empty uses the sender)', kind: 'text', when: (a) => a.smtpHost !== null },
  { key: 'portalUrl', message: 'Portal URL (public base URL of the listener)', kind: 'text' },
  { key: 'firstPartyTracking', message: 'First-party tracking of relay mail (relay, always, off)', kind: 'text', when: (a) => a.smtpHost !== null },
  { key: 'firstPartyTrackingDays', message: 'Days a tracking link records events', kind: 'text', when: (a) => a.smtpHost !== null && a.firstPartyTracking !== 'off' },
  { key: 'plausibleUrl', message: 'Plausible URL to forward first-party opens and clicks to (empty: none)', kind: 'text', when: (a) => a.firstPartyTracking !== 'off' },
  { key: 'plausibleDomain', message: 'Plausible site domain', kind: 'text', when: (a) => a.plausibleUrl !== null },
];

function validator(key: SettingKey) {
  return (value: string): true | string => {
    try {
      parseSettingValue(key, value);
      return true;
    } catch (error) {
      return isPortalError(error) ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : String(error);
    }
  };
}

/**
 * Walks the operator through every setting with the current value as the default. Secrets are
 * password prompts where Enter keeps the stored value, so a secret is never echoed or re-typed.
 */
export async function askSettings(prompter: Prompter, current: Settings): Promise<SettingFlags> {
  const answers: Settings = { ...current };
  const flags: SettingFlags = {};
  for (const question of QUESTIONS) {
    if (question.when && !question.when(answers)) continue;
    const value = await ask(prompter, question, current);
    if (value === undefined) continue;
    flags[question.key] = value;
    (answers as unknown as Record<string, unknown>)[question.key] = parseSettingValue(question.key, value);
  }
  return flags;
}

async function ask(prompter: Prompter, question: Question, current: Settings): Promise<string | boolean | undefined> {
  const existing = current[question.key];
  if (question.kind === 'yesno') {
    return prompter.confirm({ message: question.message, default: existing === true });
  }
  if (question.kind === 'secret') {
    const keep = existing === null ? '' : ' (Enter keeps the current value)';
    const validate = validator(question.key);
    const answer = await prompter.password({
      message: `${question.message}${keep}`,
      validate: (value) => (value === '' ? true : validate(value)),
    });
    return answer === '' ? undefined : answer;
  }
  const validate = validator(question.key);
  return prompter.input({
    message: question.message,
    ...(existing === null ? {} : { default: String(existing) }),
    validate: (value) => (value === '' ? true : validate(value)),
  });
}
