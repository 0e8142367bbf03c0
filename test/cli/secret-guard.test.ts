import { describe, expect, it } from 'vitest';
import { assertNoSecretLeak, secretsGiven } from '../helpers/secret-guard.js';

// The guard every in-process CLI run of the suite passes through (test/helpers/run-cli.ts).
describe('the suite-wide secret guard', () => {
  const key = `api-${'K'.repeat(32)}`;

  it('collects secrets from the environment and from flags, inline or separate', () => {
    const given = secretsGiven(
      [
        'configure',
        '--api-key',
        key,
        '--smtp-password=hunter2hunter2',
        'webhook',
        '--secret',
        'sign-me-please',
      ],
      { SMTP2GO_WEBHOOK_SECRET: 'whsec-abcdefgh' },
    );
    expect(given.sort()).toEqual([key, 'hunter2hunter2', 'sign-me-please', 'whsec-abcdefgh'].sort());
  });

  it('throws on a leak in either stream, without repeating the secret', () => {
    expect(() =>
      assertNoSecretLeak(['configure', '--api-key', key], {}, { stdout: `saved ${key}`, stderr: '' }),
    ).toThrow(/secret leak.*stdout/);
    expect(() =>
      assertNoSecretLeak(
        ['configure'],
        { SMTP_PASSWORD: 'hunter2hunter2' },
        { stdout: '', stderr: 'hunter2hunter2' },
      ),
    ).toThrow(/stderr/);
    expect(() =>
      assertNoSecretLeak(['configure', '--api-key', key], {}, { stdout: 'api-••••••••KKKK', stderr: '' }),
    ).not.toThrow();
    try {
      assertNoSecretLeak(['configure', '--api-key', key], {}, { stdout: key, stderr: '' });
    } catch (error) {
      expect((error as Error).message).not.toContain(key);
    }
  });
});
