import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, WEBHOOK_SECRET } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import { ok, startFakeManagementApi, type FakeManagementApi } from '../smtp2go/fake-management-api.js';

let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('doctor command', () => {
  const tempDir = useTempDir();

  it('--json: one document with every check; exit 1 when one fails; no secret anywhere', async () => {
    api = await startFakeManagementApi({
      '/api_keys/permissions': () => ok({ permissions: ['/email/send'] }),
      '/webhook/view': () => ok([]),
    });
    const listener = (await closedPortUrl()).replace('/v3', '/healthz');
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'),
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PORTAL_URL: 'https://portal.example.com',
      SMTP2GO_SENDER: 'support@example.com',
    };
    const result = await runCliInProcess(['doctor', '--json', '--listener', listener, '--timeout', '2000'], {
      env,
    });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as {
      version: number;
      ok: boolean;
      checks: Array<{ name: string; status: string; fix: string | null }>;
    };
    expect(doc.version).toBe(1);
    expect(doc.ok).toBe(false);
    expect(doc.checks.find((check) => check.name === 'webhook')).toMatchObject({
      status: 'fail',
      fix: 'run `smtp2go-portal webhook register`',
    });
    expect(doc.checks.find((check) => check.name === 'api-key')?.status).toBe('ok');
    expect(result.stderr).toBe('');
    expect(result.stdout + result.stderr).not.toContain(WEBHOOK_SECRET);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });

  it('human output: one line per check with status and fix', async () => {
    api = await startFakeManagementApi({
      '/api_keys/permissions': () => ok({ permissions: ['/email/send'] }),
      '/webhook/view': () => ok([]),
    });
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'),
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
    };
    const result = await runCliInProcess(
      ['doctor', '--listener', (await closedPortUrl()).replace('/v3', '/healthz')],
      { env, columns: 200 },
    );
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.find((line) => line.includes('api-key'))).toMatch(/^ok\s+api-key\s+API key accepted/);
    expect(result.stdout).toMatch(
      /^FAIL config .*missing: verified sender, webhook secret, portal URL\n +→ configure --sender/m,
    );
    expect(lines.find((line) => line.includes('listener'))).toMatch(/^warn listener .*nothing listens/);
    expect(result.stderr).toMatch(/\d+ ok, \d+ warning\(s\), \d+ failed/);
  });

  it('--timeout must be a number', async () => {
    const result = await runCliInProcess(['doctor', '--timeout', 'soon'], {
      env: { CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--timeout must be a positive number/);
  });
});
