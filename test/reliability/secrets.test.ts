import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/webhook/sign.js';
import { API_KEY, PREVIOUS_WEBHOOK_SECRET, SMTP_PASSWORD } from '../helpers/constants.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { runCliInProcess, type CliRun } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay } from '../mail/fake-relay.js';
import { ok, startFakeManagementApi, webhookRoutes } from '../smtp2go/fake-management-api.js';
import { spawnListener } from './listener-process.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
const closers: Array<() => Promise<void>> = [];
beforeAll(assertBuilt);
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Every spelling a secret could leak in: as is, in Basic credentials, URL-encoded, and its distinctive middle. */
function spellings(secret: string): string[] {
  return [
    secret,
    Buffer.from(`smtp2go:${secret}`).toString('base64'),
    Buffer.from(secret).toString('base64').replace(/=+$/, ''),
    encodeURIComponent(secret),
    secret.slice(4, -4),
  ];
}

function dumpStore(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as Array<{ name: string }>
    ).map((t) => t.name);
    // integration_modules holds the secrets by design (the file is 0600); every other table must not.
    return JSON.stringify(
      tables
        .filter((name) => name !== 'integration_modules')
        .map((name) => db.prepare(`SELECT * FROM "${name}"`).all()),
    );
  } finally {
    db.close();
  }
}

describe('secrets never appear in any output, error, log, stored event or --json document', () => {
  it('configure, send-test (API, relay, fallback), doctor, webhook register/unregister, reconcile, trigger, replay, stats and the built webhook serve', async () => {
    const dir = tempDir();
    const dbPath = join(dir, 'portal.db');
    const webhooks: Parameters<typeof webhookRoutes>[0] = [];
    let failSend = false;
    const api = await startFakeManagementApi({
      '/email/send': () =>
        failSend
          ? {
              status: 401,
              json: {
                request_id: 'r',
                data: {
                  error_code: 'E_ApiResponseCodes.API_KEY_INVALID',
                  error: `Invalid API key ${API_KEY}`,
                },
              },
            }
          : ok({ succeeded: 1, failed: 0, failures: [], email_id: '1sEcReT-abc-XY' }),
      '/api_keys/permissions': () =>
        ok({
          permissions: [
            '/email/send',
            '/webhook/view',
            '/webhook/add',
            '/webhook/edit',
            '/webhook/remove',
            '/activity/search',
          ],
        }),
      '/activity/search': () => ok({ events: [], total_events: 0, continue_token: null }),
      ...webhookRoutes(webhooks),
    });
    const relay = await startFakeRelay({ auth: { user: 'relay-user', pass: SMTP_PASSWORD } });
    closers.push(api.close, relay.close);
    const env = { CI: '1', SMTP2GO_PORTAL_DB: dbPath };
    const runs: Array<{ label: string; run: CliRun }> = [];
    const cli = async (label: string, argv: string[], expectedCode = 0, jsonCode = expectedCode) => {
      for (const json of [false, true]) {
        const run = await runCliInProcess(json ? [...argv, '--json'] : argv, { env });
        runs.push({ label: `${label}${json ? ' --json' : ''}`, run });
        expect(run.code, `${label}: ${run.stderr}`).toBe(json ? jsonCode : expectedCode);
      }
    };

    await cli('configure', [
      'configure',
      '--api-key',
      API_KEY,
      '--enable',
      '--api-url',
      api.url,
      '--sender',
      'help@example.com',
      '--webhook-secret',
      PREVIOUS_WEBHOOK_SECRET,
      '--smtp-host',
      relay.host,
      '--smtp-port',
      String(relay.port),
      '--smtp-user',
      'relay-user',
      '--smtp-password',
      SMTP_PASSWORD,
      '--no-smtp-secure',
      '--portal-url',
      'https://portal.example.com',
    ]);
    // Rotation prints the new secret once, on purpose; that one output is the only place it may appear.
    const rotated = await runCliInProcess(['configure', '--rotate-webhook-secret', '--json'], { env });
    expect(rotated.code).toBe(0);
    const CURRENT_SECRET = (JSON.parse(rotated.stdout) as { generated_webhook_secret: string })
      .generated_webhook_secret;
    expect(CURRENT_SECRET).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const secrets = { API_KEY, SMTP_PASSWORD, PREVIOUS_WEBHOOK_SECRET, CURRENT_SECRET };

    await cli('configure --show', ['configure', '--show']);
    await cli('send-test api', ['send-test', '--to', 'a@example.com']);
    await cli('send-test smtp', ['send-test', '--to', 'a@example.com', '--transport', 'smtp']);
    failSend = true;
    await cli('send-test fallback after 401', ['send-test', '--to', 'a@example.com']);
    await cli('send-test api only, 401', ['send-test', '--to', 'a@example.com', '--transport', 'api'], 1);
    failSend = false;
    await cli('doctor', ['doctor', '--timeout', '2000', '--listener', 'http://127.0.0.1:9/healthz'], 1);
    await cli('webhook register', ['webhook', 'register']);
    await cli('reconcile', ['reconcile', '--since', '7d']);
    await cli('webhook trigger', ['webhook', 'trigger', 'open', '--demo']);
    await cli('stats', ['stats']);
    await cli('stats --reply', ['stats', '--reply', '1']);
    await cli('bad smtp password', ['configure', '--smtp-password', `${SMTP_PASSWORD}\nX`], 2);
    await cli('bad api key', ['configure', '--api-key', `${API_KEY}!`], 2);

    // The built listener: events signed with the current and the previous secret, and near misses that must 401.
    const listener = await spawnListener({ dbPath, env: {} });
    const pool = new Pool(new URL(listener.url).origin, { connections: 2 });
    const post = async (body: string, headers: Record<string, string>) => {
      const response = await pool.request({
        method: 'POST',
        path: new URL(listener.url).pathname,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      await response.body.text();
      return response.statusCode;
    };
    const event = (n: number) =>
      JSON.stringify({
        event: 'open',
        id: n.toString(16).padStart(32, 'e'),
        email_id: '1sEcReT-abc-XY',
        rcpt: 'a@example.com',
        time: '2026-09-10T08:00:00Z',
      });
    const now = Math.floor(Date.now() / 1000);
    const statuses = [
      await post(event(1), { 'x-smtp2go-signature': signWebhookBody(event(1), CURRENT_SECRET, now) }),
      await post(event(2), { authorization: `Bearer ${PREVIOUS_WEBHOOK_SECRET}` }),
      await post(event(3), {
        authorization: `Basic ${Buffer.from(`smtp2go:${CURRENT_SECRET}`).toString('base64')}`,
      }),
      await post(event(4), { authorization: `Bearer ${CURRENT_SECRET.slice(0, -1)}` }),
      await post(event(5), { authorization: `Bearer ${API_KEY}` }),
    ];
    await pool.close();
    await cli('webhook trigger --listener', [
      'webhook',
      'trigger',
      'click',
      '--demo',
      '--listener',
      listener.url,
    ]);
    await cli('webhook replay --listener', ['webhook', 'replay', '--from-store', '--listener', listener.url]);
    // The second (--json) run finds nothing left to remove: exit 1, and still no secret in its error.
    await cli('webhook unregister', ['webhook', 'unregister', '--yes'], 0, 1);
    const permissions = [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]
      .filter(existsSync)
      .map((file) => [file.slice(dbPath.length) || 'db', (statSync(file).mode & 0o777).toString(8)]);
    await listener.kill('SIGTERM');
    expect(statuses).toEqual([200, 200, 200, 401, 401]);
    runs.push({
      label: 'webhook serve --json (stdout+stderr)',
      run: { code: 0, stdout: listener.stdout(), stderr: listener.stderr() },
    });

    const store = dumpStore(dbPath);
    const leaks: string[] = [];
    for (const [name, secret] of Object.entries(secrets)) {
      for (const spelling of spellings(secret)) {
        for (const { label, run } of runs)
          if ((run.stdout + run.stderr).includes(spelling)) leaks.push(`${name} in ${label}`);
        if (store.includes(spelling)) leaks.push(`${name} in the store's non-settings tables`);
        for (const request of api.requests)
          if (request.rawBody.includes(spelling))
            leaks.push(`${name} in a request body to SMTP2Go (${request.path})`);
      }
    }
    // The webhook secret does travel to SMTP2Go in /webhook/add as the bearer token it must send: that is its job.
    const unexpected = leaks.filter(
      (leak) => !/CURRENT_SECRET in a request body to SMTP2Go \((\/v3)?\/webhook\/(add|edit)\)/.test(leak),
    );
    report('secrets', {
      commandRuns: runs.length,
      listenerRequests: statuses.length,
      storeCharsChecked: store.length,
      leaks: unexpected.length,
      secretToWebhookAdd: leaks.length - unexpected.length,
      permissions,
    });
    expect(unexpected).toEqual([]);
    // The listener had the store open: the database and its -wal and -shm are all 0600.
    expect(permissions.length).toBe(3);
    for (const [, mode] of permissions) expect(mode).toBe('600');
  }, 60_000);
});

describe('configure --show and the file mode of the store', () => {
  it('warns when the database (or its -wal/-shm) is readable by others, and is quiet at 0600', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const env = { CI: '1', SMTP2GO_PORTAL_DB: dbPath };
    expect((await runCliInProcess(['configure', '--api-key', API_KEY], { env })).code).toBe(0);
    expect((statSync(dbPath).mode & 0o777).toString(8)).toBe('600');
    const quiet = await runCliInProcess(['configure', '--show', '--json'], { env });
    expect((JSON.parse(quiet.stdout) as { warnings: string[] }).warnings.join('\n')).not.toMatch(
      /readable by other users/,
    );
    chmodSync(dbPath, 0o644);
    const human = await runCliInProcess(['configure', '--show'], { env });
    expect(human.code).toBe(0);
    expect(human.stderr).toMatch(/readable by other\s+users \(mode\s+644\)[\s\S]*chmod 600/);
    const json = await runCliInProcess(['configure', '--show', '--json'], { env });
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings.join('\n')).toMatch(
      /readable by other users/,
    );
    expect(human.stdout + human.stderr + json.stdout).not.toContain(API_KEY);
  });
});
