import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { assertBuilt, binaryEnv, runBinary, type BinaryRun } from '../helpers/run-binary.js';
import { assertNoSecretLeak } from '../helpers/secret-guard.js';
import { useTempDir } from '../helpers/temp-dir.js';

/** The URL as every command must print it: the password replaced by `***`. */
const redacted = (url: string) => {
  const shown = new URL(url);
  shown.password = 'REDACTED';
  return shown.href.replace('REDACTED', '***');
};

/** The URL with no password in it, for PGPASSWORD and ~/.pgpass. */
const withoutPassword = (url: string) => {
  const bare = new URL(url);
  bare.password = '';
  return bare.href;
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('issue 17: commands on a PostgreSQL store never print its password (built binary)', () => {
  const database = usePostgresDatabases();
  const tempDir = useTempDir();
  beforeAll(assertBuilt);

  /** Runs the binary with a fresh HOME; the run's output must not hold any password it was given. */
  async function run(args: string[], extra: NodeJS.ProcessEnv = {}, home = tempDir()): Promise<BinaryRun> {
    const env = binaryEnv(home, extra);
    const result = await runBinary(args, { env });
    assertNoSecretLeak(args, env, { stdout: result.stdout, stderr: result.stderr });
    return result;
  }

  it('issue 17: configure, configure --show and its --json name the store by its URL with *** for the password', async () => {
    const url = await database();
    const saved = await run(['--db', url, 'configure', '--sender', 'desk@example.com']);
    expect(saved.code).toBe(0);
    expect(saved.stderr).toContain(`Saved the SMTP2Go module settings to ${redacted(url)}.`);
    const shown = await run(['--db', url, 'configure', '--show']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(`database: ${redacted(url)}`);
    expect(shown.stdout).toContain('desk@example.com');
    // No "readable by other users" warning: there is no file to stat.
    expect(shown.stderr).not.toMatch(/readable by other users/);
    const json = await run(['--json', 'configure', '--show'], { SMTP2GO_PORTAL_DB: url });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ db: redacted(url) });
  });

  it('issue 17: with the password in PGPASSWORD the URL is shown as given, and the password nowhere', async () => {
    const url = await database();
    const password = decodeURIComponent(new URL(url).password);
    const shown = await run(['--db', withoutPassword(url), 'configure', '--show'], { PGPASSWORD: password });
    expect(shown.code).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(`database: ${withoutPassword(url)}`);
  });

  it('issue 17: doctor checks the server instead of a file: connects, schema, durability, privileges', async () => {
    const url = await database();
    const doctor = await run(['--db', url, '--json', 'doctor', '--listener', 'http://127.0.0.1:9/']);
    const checks = (JSON.parse(doctor.stdout) as { checks: Array<Record<string, unknown>> }).checks;
    const local = checks.filter((check) =>
      ['database', 'schema', 'durability', 'privileges', 'permissions'].includes(check.name as string),
    );
    expect(local.map((check) => check.name)).toEqual(['database', 'schema', 'durability', 'privileges']);
    expect(local[0]).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(
        new RegExp(`^connected to ${escape(redacted(url))} as postgres \\(PostgreSQL \\d+`),
      ),
    });
    expect(local[1]).toMatchObject({ status: 'ok', message: 'schema version 7' });
    // The test cluster runs with fsync off for speed: doctor says so, with the fix.
    expect(local[2]).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/^fsync and full_page_writes are off/),
    });
    expect(local[3]).toMatchObject({
      status: 'ok',
      message: 'role postgres can read and write every table of the store',
    });
    const text = await run(['--db', url, 'doctor', '--listener', 'http://127.0.0.1:9/']);
    expect(text.stdout).not.toMatch(/0600|integrity/);
  });

  it('issue 17: stats and prune connect to PostgreSQL and never print the password', async () => {
    const url = await database();
    // Its exit code waits for the SQL port of the summary (sum over booleans); the connection and the
    // output without the password are this test's.
    const stats = await run(['--db', url, 'stats']);
    expect(stats.stderr).not.toMatch(/cannot connect|database .* does not exist/);
    const prune = await run(['--db', url, 'prune', '--older-than', '3d']);
    expect(prune.code).toBe(0);
    expect(prune.stdout).toMatch(/^Nothing to prune: no event older than 3d/);
  });

  it('issue 17: backup on PostgreSQL is one line naming pg_dump, exit 2, and writes no file', async () => {
    const url = await database();
    const file = join(tempDir(), 'portal.dump');
    const backup = await run(['--db', url, 'backup', file]);
    expect(backup.code).toBe(2);
    expect(backup.stdout).toBe('');
    expect(backup.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: backup copies a SQLite store; ${escape(redacted(url))} is PostgreSQL, .*pg_dump --format=custom --file=${escape(file)}`,
        ),
      ),
    ]);
    expect(existsSync(file)).toBe(false);
    const json = await run(['--db', url, '--json', 'backup', file]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'config' } });
  });

  it('issue 17: a server that does not answer is one line, exit 1, whose hint names PGPASSWORD and ~/.pgpass', async () => {
    const url = new URL(await database());
    url.port = String(await freePort());
    const stats = await run(['--db', url.href, 'stats']);
    expect(stats.code).toBe(1);
    expect(stats.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^error: cannot connect to PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+: .*ECONNREFUSED/,
      ),
    ]);
    expect(stats.stderr).toMatch(/PGPASSWORD or ~\/\.pgpass/);
  });

  it('issue 17: a wrong password and a database that does not exist are one line each, exit 1, neither password shown', async () => {
    const url = new URL(await database());
    const wrong = new URL(url);
    wrong.password = 'not-the-password-9f3a';
    const refused = await run(['--db', wrong.href, 'stats']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^error: cannot connect to PostgreSQL at .*password authentication failed for user "postgres"/,
      ),
    ]);
    const missing = new URL(url);
    missing.pathname = '/no_such_database';
    const absent = await run(['--db', missing.href, 'stats']);
    expect(absent.code).toBe(1);
    expect(absent.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^error: cannot connect to PostgreSQL at .*: database "no_such_database" does not exist/,
      ),
    ]);
  });

  it('issue 17: a URL that does not parse is a usage error (--db) or a configuration error (SMTP2GO_PORTAL_DB), exit 2, shown without the password', async () => {
    const url = new URL(await database());
    const broken = `postgres://postgres:${url.password}@127.0.0.1:99999/portal`;
    const flag = await run(['--db', broken, 'stats']);
    expect(flag.code).toBe(2);
    expect(flag.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^error: --db "postgres:\/\/\*\*\*" is not a valid PostgreSQL URL \(write it as postgres:\/\/user@host:5432\/database/,
      ),
    ]);
    const env = await run(['stats'], { SMTP2GO_PORTAL_DB: broken });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(
      /^error: SMTP2GO_PORTAL_DB "postgres:\/\/\*\*\*" is not a valid PostgreSQL URL/,
    );
  });

  it('issue 17: a URL without a password connects with the one in ~/.pgpass (0600), or in the file PGPASSFILE names', async () => {
    const url = await database();
    const { hostname, port } = new URL(url);
    const password = decodeURIComponent(new URL(url).password);
    const home = tempDir();
    const entry = `${hostname}:${port}:*:postgres:${password}\n`;
    writeFileSync(join(home, '.pgpass'), entry, { mode: 0o600 });
    const fromHome = await run(['--db', withoutPassword(url), 'configure', '--show'], {}, home);
    expect(fromHome.code).toBe(0);
    expect(fromHome.stdout.split('\n')[0]).toBe(`database: ${withoutPassword(url)}`);
    expect(fromHome.stdout + fromHome.stderr).not.toContain(password);
    // node-postgres's own ~/.pgpass lookup warns that pg 9 drops it; the store reads the file itself.
    expect(fromHome.stderr).not.toMatch(/Deprecation|pgpass/);

    const elsewhere = join(tempDir(), 'passwords');
    writeFileSync(elsewhere, entry, { mode: 0o600 });
    const fromFile = await run(['--db', withoutPassword(url), 'configure', '--show'], {
      PGPASSFILE: elsewhere,
    });
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout + fromFile.stderr).not.toContain(password);

    // As libpq does, a password file other users can read is ignored: no password, one line, exit 1.
    chmodSync(join(home, '.pgpass'), 0o644);
    const loose = await run(['--db', withoutPassword(url), 'configure', '--show'], {}, home);
    expect(loose.code).toBe(1);
    expect(loose.stdout + loose.stderr).not.toContain(password);
    expect(loose.stderr).toMatch(/^error: cannot connect to PostgreSQL at .*PGPASSWORD or ~\/\.pgpass/m);
  });
});
