import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { maskSecret } from '../../src/core/mask.js';
import { resolveSettings } from '../../src/core/resolve-settings.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { parseSettingValue } from '../../src/core/validate-settings.js';

const KEY_A = 'api-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const KEY_B = 'api-BBBBBBBBBBBBBBBBBBBBBBBBBBBB3f9a';
const KEY_C = 'api-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC';

describe('resolveSettings precedence: flag > env > stored > default', () => {
  it('uses the default when nothing else is given', () => {
    const { settings, sources } = resolveSettings({});
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(sources.apiKey).toBe('default');
  });

  it('stored beats default, env beats stored, flag beats env', () => {
    expect(resolveSettings({ stored: { apiKey: KEY_A } })).toMatchObject({
      settings: { apiKey: KEY_A },
      sources: { apiKey: 'stored' },
    });
    expect(resolveSettings({ stored: { apiKey: KEY_A }, env: { SMTP2GO_API_KEY: KEY_B } })).toMatchObject({
      settings: { apiKey: KEY_B },
      sources: { apiKey: 'env' },
    });
    expect(
      resolveSettings({
        stored: { apiKey: KEY_A },
        env: { SMTP2GO_API_KEY: KEY_B },
        flags: { apiKey: KEY_C },
      }),
    ).toMatchObject({ settings: { apiKey: KEY_C }, sources: { apiKey: 'flag' } });
  });

  it('parses typed values from the environment', () => {
    const { settings } = resolveSettings({
      env: { SMTP_PORT: '587', SMTP_SECURE: 'yes', SMTP2GO_TRACK_OPENS: 'false' },
    });
    expect(settings.smtpPort).toBe(587);
    expect(settings.smtpSecure).toBe(true);
    expect(settings.trackOpens).toBe(false);
  });

  it('ignores empty environment variables', () => {
    expect(resolveSettings({ env: { SMTP2GO_API_KEY: '' }, stored: { apiKey: KEY_A } }).settings.apiKey).toBe(
      KEY_A,
    );
  });

  it('names the environment variable when its value is invalid', () => {
    expect(() => resolveSettings({ env: { SMTP_PORT: '70000' } })).toThrow(
      /^SMTP_PORT: port "70000" is out of range/,
    );
  });
});

describe('parseSettingValue validation', () => {
  it.each([
    ['apiKey', 'api-short', /API key is malformed/],
    ['apiKey', 'key-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /API key is malformed/],
    ['apiUrl', 'not a url', /is not a URL/],
    ['portalUrl', 'ftp://portal.example.com', /must use http or https/],
    ['sender', 'support.example.com', /is not an email address/],
    ['smtpFrom', 'Support <support>', /is not an email address/],
    ['smtpPort', '0', /out of range/],
    ['smtpPort', 'abc', /"abc" is not a number/],
    ['smtpHost', 'mail.example.com:25', /not a host name/],
    ['webhookSecret', 'short', /shorter than 16/],
    ['enabled', 'maybe', /not a yes\/no value/],
    ['sender', 'a@b.co\r\nBcc: x@y.z', /line break/],
  ] as const)('%s rejects %j', (key, value, message) => {
    let thrown: unknown;
    try {
      parseSettingValue(key, value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).exitCode).toBe(2);
    expect((thrown as ConfigError).message).toMatch(message);
    expect((thrown as ConfigError).hint).toBeTruthy();
  });

  it('accepts the documented forms', () => {
    expect(parseSettingValue('apiKey', KEY_A)).toBe(KEY_A);
    expect(parseSettingValue('sender', 'Support <support@example.com>')).toBe(
      'Support <support@example.com>',
    );
    expect(parseSettingValue('apiUrl', 'https://eu-api.smtp2go.com/v3/')).toBe(
      'https://eu-api.smtp2go.com/v3',
    );
    expect(parseSettingValue('smtpPort', '2525')).toBe(2525);
  });
});

describe('maskSecret', () => {
  it('keeps the api- prefix and the last four characters only', () => {
    expect(maskSecret(KEY_B)).toBe('api-••••••••3f9a');
    expect(maskSecret('abcdefghijklmnopqrstuvwxyz')).toBe('••••••••wxyz');
    expect(maskSecret('short')).toBe('••••••••');
    expect(maskSecret(null)).toBeNull();
  });
});
