import { isPortalError } from '../../../core/errors.js';
import type { SettingFlags } from '../../../core/resolve-settings.js';
import { REGION_API_URLS, type SettingKey, type Settings } from '../../../core/settings.js';
import { parseSettingValue } from '../../../core/validate-settings.js';
import type { Prompter } from '../../prompts.js';

interface Question {
  key: SettingKey;
  message: string;
  kind: 'text' | 'secret' | 'yesno';
  /** Asked only when this returns true for the answers so far. */
  when?: (answers: Settings) => boolean;
  /** The fix to show under an invalid answer, when the setting's own names a flag. */
  hint?: string;
  /** The answer as the setting's raw value (the region question takes a region name or a URL). */
  toValue?: (answer: string) => string;
  /** The current value as the prompt's default. */
  toAnswer?: (value: Settings[SettingKey]) => string;
  /** Said after the message when there is no current value (with one, Enter keeps it). */
  whenEmpty?: string;
}

const REGIONS = Object.keys(REGION_API_URLS);

const QUESTIONS: Question[] = [
  {
    key: 'apiKey',
    message: 'SMTP2Go API key',
    kind: 'secret',
    hint: 'SMTP2Go keys look like api- followed by 32 letters or digits (Settings > API Keys)',
  },
  { key: 'enabled', message: 'Enable the SMTP2Go module?', kind: 'yesno' },
  {
    key: 'apiUrl',
    message: `API region (${REGIONS.slice(0, -1).join(', ')} or ${REGIONS.at(-1) ?? ''}; or a full API URL)`,
    kind: 'text',
    hint: `give ${REGIONS.join(', ')}, or a URL such as https://api.smtp2go.com/v3`,
    toValue: (answer) => REGION_API_URLS[answer.trim().toLowerCase()] ?? answer,
    toAnswer: (value) =>
      Object.entries(REGION_API_URLS).find(([, url]) => url === value)?.[0] ?? String(value),
  },
  { key: 'trackingEnabled', message: 'Enable tracking?', kind: 'yesno' },
  { key: 'trackOpens', message: 'Track opens?', kind: 'yesno', when: (a) => a.trackingEnabled },
  { key: 'trackClicks', message: 'Track clicks?', kind: 'yesno', when: (a) => a.trackingEnabled },
  {
    key: 'webhookSecret',
    message: 'Webhook secret',
    kind: 'secret',
    whenEmpty: 'empty: `webhook serve` generates one',
    hint: 'use 16 characters or more, or leave it empty and `webhook serve` generates one',
  },
  { key: 'sender', message: 'Default sender (a verified SMTP2Go sender)', kind: 'text' },
  {
    key: 'smtpHost',
    message: 'SMTP relay host (fallback), e.g. mail.smtp2go.com',
    kind: 'text',
    hint: 'give a host only, e.g. mail.smtp2go.com (the port is the next question)',
  },
  { key: 'smtpPort', message: 'SMTP relay port', kind: 'text', when: (a) => a.smtpHost !== null },
  {
    key: 'smtpSecure',
    message: 'Implicit TLS (port 465/8465/443)?',
    kind: 'yesno',
    when: (a) => a.smtpHost !== null,
  },
  { key: 'smtpUser', message: 'SMTP user', kind: 'text', when: (a) => a.smtpHost !== null },
  { key: 'smtpPassword', message: 'SMTP password', kind: 'secret', when: (a) => a.smtpHost !== null },
  {
    key: 'smtpFrom',
    message: 'Relay From address (empty uses the sender)',
    kind: 'text',
    when: (a) => a.smtpHost !== null,
  },
  {
    key: 'fallbackOnTimeout',
    message:
      'Relay even when an API timeout leaves it unknown whether SMTP2Go took the mail (it may arrive twice)?',
    kind: 'yesno',
    when: (a) => a.smtpHost !== null,
  },
  { key: 'portalUrl', message: 'Portal URL (public base URL of the listener)', kind: 'text' },
  {
    key: 'firstPartyTracking',
    message: 'First-party tracking of relay mail (relay, always, off)',
    kind: 'text',
    when: (a) => a.smtpHost !== null,
  },
  {
    key: 'firstPartyTrackingDays',
    message: 'Days a tracking link records events',
    kind: 'text',
    when: (a) => a.smtpHost !== null && a.firstPartyTracking !== 'off',
  },
  {
    key: 'plausibleUrl',
    message: 'Plausible URL to forward first-party opens and clicks to (empty: none)',
    kind: 'text',
    when: (a) => a.firstPartyTracking !== 'off',
  },
  {
    key: 'plausibleDomain',
    message: 'Plausible site domain',
    kind: 'text',
    when: (a) => a.plausibleUrl !== null,
  },
];

/** The question that asks for a setting, as the wizard's errors name it. */
export function questionFor(key: SettingKey): string | null {
  return QUESTIONS.find((question) => question.key === key)?.message ?? null;
}

/** What the operator changed: new values, and settings cleared back to their default. */
export interface WizardAnswers {
  flags: SettingFlags;
  cleared: SettingKey[];
}

/**
 * A validation message for the prompt under which it appears: the problem without the flag it would name
 * on the command line (`--smtp-port: …`), and a fix the operator can apply here.
 */
function validator(question: Question) {
  return (value: string): true | string => {
    try {
      parseSettingValue(question.key, question.toValue?.(value) ?? value);
      return true;
    } catch (error) {
      if (!isPortalError(error)) return String(error);
      const problem = error.message.replace(/^--[a-z-]+: /, '');
      const hint = error.hint !== undefined && !error.hint.includes('--') ? error.hint : question.hint;
      return hint === undefined ? problem : `${problem}: ${hint}`;
    }
  };
}

/**
 * Walks the operator through every setting with the current value as the default. Only what changes is
 * returned: an answer equal to the current value is not a change, an emptied field is a clear. Secrets
 * are password prompts where Enter keeps the stored value, so a secret is never echoed or re-typed.
 */
export async function askSettings(prompter: Prompter, current: Settings): Promise<WizardAnswers> {
  const answers: Settings = { ...current };
  const result: WizardAnswers = { flags: {}, cleared: [] };
  for (const question of QUESTIONS) {
    if (question.when && !question.when(answers)) continue;
    const value = await ask(prompter, question, current);
    if (value === undefined) continue;
    if (value === '') {
      if (current[question.key] !== null) result.cleared.push(question.key);
      continue;
    }
    const parsed = parseSettingValue(question.key, value);
    if (parsed === current[question.key]) continue;
    result.flags[question.key] = value;
    (answers as unknown as Record<string, unknown>)[question.key] = parsed;
  }
  return result;
}

async function ask(
  prompter: Prompter,
  question: Question,
  current: Settings,
): Promise<string | boolean | undefined> {
  const existing = current[question.key];
  if (question.kind === 'yesno') {
    return prompter.confirm({ message: question.message, default: existing === true });
  }
  const validate = validator(question);
  if (question.kind === 'secret') {
    const keep =
      existing !== null
        ? ' (Enter keeps the current one)'
        : question.whenEmpty === undefined
          ? ''
          : ` (${question.whenEmpty})`;
    const answer = await prompter.password({
      message: `${question.message}${keep}`,
      validate: (value) => (value === '' ? true : validate(value)),
    });
    return answer === '' ? undefined : answer;
  }
  const answer = await prompter.input({
    message: question.message,
    ...(existing === null ? {} : { default: question.toAnswer?.(existing) ?? String(existing) }),
    validate: (value) => (value === '' ? true : validate(value)),
  });
  return answer === '' ? '' : (question.toValue?.(answer) ?? answer);
}
