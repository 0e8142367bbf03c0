import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/core/errors.js';
import { resolveDbPath } from '../../src/store/db-path.js';

const PASSWORD = 's3cret-in-the-url';

describe('resolveDbPath', () => {
  it('issue 17: a postgres:// or postgresql:// URL in --db or SMTP2GO_PORTAL_DB is returned as given, not resolved as a path', () => {
    const url = `postgres://portal:${PASSWORD}@db.example:5432/portal?sslmode=require`;
    expect(resolveDbPath(url, {})).toBe(url);
    expect(resolveDbPath(undefined, { SMTP2GO_PORTAL_DB: 'postgresql://db.example/portal' })).toBe(
      'postgresql://db.example/portal',
    );
    expect(resolveDbPath('POSTGRES://db.example/portal', {})).toBe('POSTGRES://db.example/portal');
    // Any other value is still a file, relative to the working directory.
    expect(resolveDbPath('postgres.db', {})).toMatch(/^\/.*\/postgres\.db$/);
  });

  it('issue 17: a URL that does not parse is a usage error (--db) or a configuration error (SMTP2GO_PORTAL_DB) that never repeats the password', () => {
    const broken = `postgres://portal:${PASSWORD}@db.example:99999/portal`;
    const fromFlag = (() => {
      try {
        resolveDbPath(broken, {});
      } catch (error) {
        return error as UsageError;
      }
      throw new Error('accepted');
    })();
    expect(fromFlag).toBeInstanceOf(UsageError);
    expect(fromFlag.exitCode).toBe(2);
    expect(fromFlag.message).toBe('--db "postgres://***" is not a valid PostgreSQL URL');
    expect(`${fromFlag.message} ${fromFlag.hint}`).not.toContain(PASSWORD);
    expect(() => resolveDbPath(undefined, { SMTP2GO_PORTAL_DB: broken })).toThrow(ConfigError);
    expect(() => resolveDbPath(undefined, { SMTP2GO_PORTAL_DB: broken })).toThrow(
      /^SMTP2GO_PORTAL_DB "postgres:\/\/\*\*\*" is not a valid PostgreSQL URL$/,
    );
  });
});
