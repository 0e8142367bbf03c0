import { chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctor, type DoctorCheck } from '../../src/operations/doctor.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { API_KEY, WEBHOOK_SECRET } from '../helpers/constants.js';
import { startFakeRelay, type FakeRelay } from '../mail/fake-relay.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import {
  apiError,
  ok,
  startFakeManagementApi,
  type FakeManagementApi,
} from '../smtp2go/fake-management-api.js';

const LISTENER = 'https://portal.example.com/api/webhooks/smtp2go/events';
const ALL_EVENTS = ['processed', 'delivered', 'bounce', 'reject', 'spam', 'unsubscribe', 'open', 'click'];

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

async function healthServer(status: number): Promise<string> {
  const server: Server = createServer((_req, res) =>
    res.writeHead(status).end(status === 200 ? 'ok' : 'broken'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
}

function goodWebhook(overrides: Record<string, unknown> = {}) {
  return {
    id: 4320,
    url: LISTENER,
    events: ALL_EVENTS,
    headers: ['X-Portal-Tracking-Id'],
    output_format: 'json',
    auth_header_type: 'bearer',
    auth_header_value: WEBHOOK_SECRET,
    ...overrides,
  };
}

async function fakeApi(
  webhooks: unknown[],
  permissions: string[] = ['/email/send', '/webhook/view'],
): Promise<FakeManagementApi> {
  const api = await startFakeManagementApi({
    '/api_keys/permissions': () => ok({ permissions }),
    '/webhook/view': () => ok(webhooks),
  });
  cleanup.push(() => api.close());
  return api;
}

async function relay(): Promise<FakeRelay> {
  const server = await startFakeRelay({
    auth: { user: 'relay-user', pass: 'right-password' },
    starttls: true,
  });
  cleanup.push(() => server.close());
  return server;
}

describe('runDoctor', () => {
  const tempDir = useTempDir();

  async function run(
    env: Record<string, string>,
    listenerUrl: string,
    timeoutMs = 2_000,
    relayIsLoopback?: (host: string) => boolean,
  ) {
    const dbPath = join(tempDir(), 'portal.db');
    let store: Store | undefined;
    cleanup.push(() => {
      store?.close();
    });
    return {
      dbPath,
      result: await runDoctor(
        { listenerUrl, timeoutMs },
        {
          env: { SMTP2GO_SENDER: 'support@example.com', ...env },
          dbPath,
          openStore: async () => (store = openStore(dbPath)),
          relayTls: { rejectUnauthorized: false },
          ...(relayIsLoopback === undefined ? {} : { relayIsLoopback }),
        },
      ),
    };
  }

  const byName = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((check) => [check.name, check]));

  it('all green: every check ok against a local API, a real relay with STARTTLS + AUTH, and a listener', async () => {
    const api = await fakeApi([goodWebhook()]);
    const smtp = await relay();
    const { result } = await run(
      {
        SMTP2GO_API_URL: api.url,
        SMTP2GO_API_KEY: API_KEY,
        SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PORTAL_URL: 'https://portal.example.com',
        SMTP2GO_ENABLED: 'true',
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_USER: 'relay-user',
        SMTP_PASSWORD: 'right-password',
      },
      await healthServer(200),
    );
    expect(result.checks.filter((check) => check.status !== 'ok')).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checks.map((check) => check.name)).toEqual([
      'config',
      'database',
      'schema',
      'permissions',
      'api-key',
      'smtp-relay',
      'webhook',
      'listener',
    ]);
    expect(smtp.authAttempts).toEqual([{ user: 'relay-user', ok: true }]);
    expect(smtp.mails).toEqual([]);
  });

  it('a relay that rejects AUTH, a key without /email/send, a form webhook with a wrong token: each fails with its fix', async () => {
    const api = await fakeApi(
      [
        goodWebhook({
          output_format: 'form',
          auth_header_value: 'some-other-token-xxxx',
          events: ['delivered'],
        }),
      ],
      ['/webhook/view'],
    );
    const smtp = await relay();
    const { result } = await run(
      {
        SMTP2GO_API_URL: api.url,
        SMTP2GO_API_KEY: API_KEY,
        SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PORTAL_URL: 'https://portal.example.com',
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_USER: 'relay-user',
        SMTP_PASSWORD: 'wrong-password',
      },
      await healthServer(503),
    );
    const checks = byName(result.checks);
    expect(result.ok).toBe(false);
    expect(checks['smtp-relay']).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/credentials rejected/),
      fix: expect.stringMatching(/--smtp-password/),
    });
    expect(smtp.authAttempts).toEqual([{ user: 'relay-user', ok: false }]);
    expect(checks['api-key']).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/not allowed to call \/email\/send/),
    });
    expect(checks.webhook?.status).toBe('fail');
    expect(checks.webhook?.message).toMatch(/output_format is form/);
    expect(checks.webhook?.message).toMatch(/bearer token is not the webhook secret/);
    expect(checks.webhook?.message).toMatch(/not subscribed to processed, bounce/);
    expect(checks.webhook?.fix).toMatch(/webhook register/);
    expect(checks.listener).toMatchObject({ status: 'fail', message: expect.stringMatching(/answered 503/) });
    expect(checks.module?.status).toBe('warn');
    expect(JSON.stringify(result)).not.toContain(WEBHOOK_SECRET);
    expect(JSON.stringify(result)).not.toContain('wrong-password');
  });

  it('a rejected key, no webhook, no relay, nothing listening, a world-readable database', async () => {
    const api = await startFakeManagementApi({
      '/api_keys/permissions': () => apiError(401, 'E_ApiResponseCodes.API_KEY_INVALID', 'Invalid API key'),
      '/webhook/view': () =>
        ok([{ id: 1, url: 'https://crm.example.com/x', events: [], output_format: 'json' }]),
    });
    cleanup.push(() => api.close());
    const dbPath = join(tempDir(), 'portal.db');
    openStore(dbPath).close();
    chmodSync(dbPath, 0o644);
    const result = await runDoctor(
      { listenerUrl: (await closedPortUrl()).replace('/v3', '/healthz'), timeoutMs: 2_000 },
      {
        env: {
          SMTP2GO_API_URL: api.url,
          SMTP2GO_API_KEY: API_KEY,
          SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
          PORTAL_URL: 'https://portal.example.com',
        },
        dbPath,
        openStore: async () => openStore(dbPath),
      },
    );
    const checks = byName(result.checks);
    expect(checks['api-key']).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/API key rejected/),
    });
    expect(checks.webhook).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/no SMTP2Go webhook posts to https:\/\/portal\.example\.com/),
    });
    expect(checks['smtp-relay']?.status).toBe('warn');
    expect(checks.listener).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(/nothing listens/),
    });
    // SQLite gives -wal and -shm the database file's mode, so all three are named.
    expect(checks.permissions).toMatchObject({
      status: 'fail',
      fix: `chmod 600 ${dbPath} ${dbPath}-wal ${dbPath}-shm`,
    });
    expect(checks.config).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/verified sender/),
    });
  });

  it('a relay off loopback that offers no STARTTLS fails "TLS as configured" before any password is sent', async () => {
    const plain = await startFakeRelay({
      auth: { user: 'relay-user', pass: 'right-password' },
      starttls: false,
    });
    cleanup.push(() => plain.close());
    // On loopback credentials may go without TLS (relayTlsRule), so this relay is taken as one elsewhere.
    const { result } = await run(
      {
        SMTP_HOST: plain.host,
        SMTP_PORT: String(plain.port),
        SMTP_USER: 'relay-user',
        SMTP_PASSWORD: 'right-password',
      },
      await healthServer(200),
      2_000,
      () => false,
    );
    expect(byName(result.checks)['smtp-relay']).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/TLS failed/),
      fix: expect.stringMatching(/--smtp-secure/),
    });
    expect(plain.authAttempts).toEqual([]);
  });

  it('network checks run in parallel: three hanging peers take one timeout, not three', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const sockets = new Set<import('node:net').Socket>();
    hang.on('connection', (socket) => sockets.add(socket));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          hang.close(() => resolve());
        }),
    );
    const base = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    const started = Date.now();
    const { result } = await run(
      {
        SMTP2GO_API_URL: `${base}/v3`,
        SMTP2GO_API_KEY: API_KEY,
        SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
        PORTAL_URL: 'https://portal.example.com',
      },
      `${base}/healthz`,
      400,
    );
    const elapsed = Date.now() - started;
    const checks = byName(result.checks);
    expect(checks['api-key']?.status).toBe('fail');
    expect(checks.webhook?.status).toBe('fail');
    expect(checks.listener).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/no answer within 400 ms/),
    });
    expect(elapsed).toBeLessThan(1_100);
  });

  it('an invalid environment value fails the config check and skips the settings-based checks', async () => {
    const { result } = await run({ SMTP_PORT: '99999' }, await healthServer(200));
    const checks = byName(result.checks);
    expect(checks.config).toMatchObject({ status: 'fail', message: expect.stringMatching(/SMTP_PORT/) });
    expect(checks['api-key']?.message).toMatch(/not checked/);
    expect(checks.database?.status).toBe('ok');
  });
});
