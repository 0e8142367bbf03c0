import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDotEnv } from '../../src/core/dotenv.js';
import { resolveSettings } from '../../src/core/resolve-settings.js';
import { parseSettingValue } from '../../src/core/validate-settings.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { ok, startFakeManagementApi } from '../smtp2go/fake-management-api.js';

const API_KEY = 'api-0123456789abcdefABCDEF0123453f9a';
const SECRET = 'whsec-long-enough#to-be-valid-0001';
const tempDir = useTempDir('smtp2go-dotenv-');
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** This machine's first non-loopback IPv4 address, if it has one. */
function outsideAddress(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? [])
      if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  return null;
}

/** An HTTP server on every interface that records what reached it. */
async function recordingServer(): Promise<{ port: number; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, requests };
}

describe('round two #17: the API key only travels over https, or to this machine', () => {
  it('round two #17: an http API URL on another host is refused; loopback hosts may use http', () => {
    for (const url of [
      'http://api.example.com/v3',
      'http://192.0.2.10:8080/v3',
      'http://127.0.0.1.example.com/v3',
    ]) {
      expect(() => parseSettingValue('apiUrl', url), url).toThrow(/--api-url: .* must use https/);
    }
    for (const url of [
      'https://api.smtp2go.com/v3',
      'http://127.0.0.1:8080/v3',
      'http://127.9.0.1/v3',
      'http://localhost:1/v3',
      'http://[::1]:1/v3',
    ]) {
      expect(parseSettingValue('apiUrl', url), url).toBe(url);
    }
    expect(() => resolveSettings({ env: { SMTP2GO_API_URL: 'http://api.example.com/v3' } })).toThrow(
      /^SMTP2GO_API_URL: .* must use https/,
    );
    // A value stored by an older version is held to the same rule before anything is sent.
    expect(() => resolveSettings({ stored: { apiUrl: 'http://api.example.com/v3' } })).toThrow(
      /must use https/,
    );
  });

  it('round two #17: configure --api-url http://… on another host exits 2 and stores nothing', async () => {
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const run = await runCliInProcess(['configure', '--api-url', 'http://api.example.com/v3'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: --api-url: "http:\/\/api\.example\.com\/v3" must use https .*loopback/,
    );
  });

  it.skipIf(outsideAddress() === null)(
    'round two #17: doctor with a .env pointing the API at plain http on another host sends no request',
    async () => {
      const server = await recordingServer();
      const cwd = tempDir();
      const dbPath = join(cwd, 'portal.db');
      expect(
        (
          await runCliInProcess(['configure', '--api-key', API_KEY], {
            env: { CI: '1', SMTP2GO_PORTAL_DB: dbPath },
            cwd,
          })
        ).code,
      ).toBe(0);
      writeFileSync(join(cwd, '.env'), `SMTP2GO_API_URL=http://${outsideAddress()}:${server.port}/v3\n`);
      const run = await runCliInProcess(
        [
          'doctor',
          '--json',
          '--timeout',
          '1000',
          '--listener-url',
          `http://127.0.0.1:${server.port}/healthz`,
        ],
        { env: { CI: '1', SMTP2GO_PORTAL_DB: dbPath }, cwd },
      );
      expect(run.code).toBe(1);
      const doc = JSON.parse(run.stdout) as {
        checks: Array<{ name: string; status: string; message: string }>;
      };
      expect(doc.checks.find((check) => check.name === 'config')).toMatchObject({
        status: 'fail',
        message: expect.stringMatching(/SMTP2GO_API_URL: .* must use https/),
      });
      // Only the listener check (a plain GET /healthz on loopback, no key) reached the server.
      expect(
        server.requests.map((req) => [req.method, req.url, req.headers['x-smtp2go-api-key'] ?? null]),
      ).toEqual([['GET', '/healthz', null]]);
    },
  );

  it('round two #17: a .env value that overrides a stored setting is named in one warning line', async () => {
    const api = await startFakeManagementApi({
      '/api_keys/permissions': () => ok({ permissions: ['/email/send'] }),
      '/webhook/view': () => ok([]),
    });
    closers.push(api.close);
    const cwd = tempDir();
    const dbPath = join(cwd, 'portal.db');
    const env = { CI: '1', SMTP2GO_PORTAL_DB: dbPath };
    expect(
      (
        await runCliInProcess(
          ['configure', '--api-key', API_KEY, '--region', 'eu', '--sender', 'help@example.com'],
          { env, cwd },
        )
      ).code,
    ).toBe(0);
    writeFileSync(
      join(cwd, '.env'),
      `SMTP2GO_API_URL=${api.url}\nSMTP2GO_SENDER=other@example.com\nPORTAL_URL=https://portal.example.com\n`,
    );
    const run = await runCliInProcess(['doctor', '--json', '--timeout', '1000'], { env, cwd });
    const warnings = run.stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /\.env overrides stored settings: SMTP2GO_API_URL \(the stored API key is sent there\), SMTP2GO_SENDER/,
    );
    // PORTAL_URL was not stored, so it overrides nothing; the values themselves are never printed.
    expect(warnings[0]).not.toMatch(/PORTAL_URL|127\.0\.0\.1|other@example/);
    // A variable exported in the shell is the operator's own choice: no warning.
    const exported = await runCliInProcess(['configure', '--show'], {
      env: { ...env, SMTP2GO_API_URL: api.url },
      cwd: tempDir(),
    });
    expect(exported.stderr).not.toMatch(/\.env/);
  });

  it('round two #17: a .env that repeats the stored values (configure saves what it read) is not named', async () => {
    const cwd = tempDir();
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(cwd, 'portal.db') };
    writeFileSync(
      join(cwd, '.env'),
      `SMTP2GO_API_KEY=${API_KEY}\nSMTP2GO_API_URL=https://eu-api.smtp2go.com/v3\nSMTP2GO_ENABLED=yes\nSMTP_PORT=2525\n`,
    );
    expect((await runCliInProcess(['configure', '--sender', 'help@example.com'], { env, cwd })).code).toBe(0);
    const run = await runCliInProcess(['configure', '--show'], { env, cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/\.env/);
  });

  it('round two #17: a .env that points the API elsewhere while only the key is stored says so too', async () => {
    const cwd = tempDir();
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(cwd, 'portal.db') };
    expect((await runCliInProcess(['configure', '--api-key', API_KEY], { env, cwd })).code).toBe(0);
    writeFileSync(join(cwd, '.env'), 'SMTP2GO_API_URL=http://127.0.0.1:9/v3\n');
    const run = await runCliInProcess(['configure', '--show'], { env, cwd });
    expect(run.stderr).toMatch(
      /^warning: .*\.env overrides stored settings: SMTP2GO_API_URL \(the stored API key is sent there\); if that is not meant, remove them from it$/m,
    );
  });
});

describe('round two #21: a "#" inside an unquoted .env value', () => {
  it('round two #21: warns that the value was cut at "#", naming the variable and line but not the value', async () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, '.env'),
      `# settings\nSMTP2GO_SENDER=help@example.com  # a comment is fine\nSMTP2GO_WEBHOOK_SECRET=${SECRET}\nQUOTED="a#b"\n`,
    );
    const env: NodeJS.ProcessEnv = {};
    const result = loadDotEnv(cwd, env);
    expect(env.SMTP2GO_WEBHOOK_SECRET).toBe('whsec-long-enough');
    expect(env.QUOTED).toBe('a#b');
    expect(result.warnings).toEqual([
      `${join(cwd, '.env')} line 3: the value of SMTP2GO_WEBHOOK_SECRET is cut at "#" (an unquoted # starts a comment); put the value in quotes if the # belongs to it`,
    ]);
    const run = await runCliInProcess(['configure', '--show', '--json'], {
      env: { CI: '1', SMTP2GO_PORTAL_DB: join(cwd, 'portal.db') },
      cwd,
    });
    expect(run.stderr.trimEnd().split('\n')).toEqual([`warning: ${result.warnings[0]}`]);
    expect(run.stderr).not.toContain('to-be-valid');
  });
});
