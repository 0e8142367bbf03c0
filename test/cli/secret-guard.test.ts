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

  it('issue 17: collects the password of a PostgreSQL URL in --db or SMTP2GO_PORTAL_DB, and PGPASSWORD', () => {
    expect(
      secretsGiven(['--db', 'postgres://ann:pw%2Fin-url-1@db.example:5432/portal', 'stats'], {
        PGPASSWORD: 'from-the-environment',
      }).sort(),
    ).toEqual(['from-the-environment', 'pw%2Fin-url-1', 'pw/in-url-1']);
    expect(
      secretsGiven(['--db=postgresql://db.example/portal?password=as-a-parameter', 'stats'], {
        SMTP2GO_PORTAL_DB: 'postgres://bob:in-the-env-url@db.example/portal',
      }).sort(),
    ).toEqual(['as-a-parameter', 'in-the-env-url']);
    expect(secretsGiven(['--db', './portal.db', 'stats'], { SMTP2GO_PORTAL_DB: '/tmp/x.db' })).toEqual([]);
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
