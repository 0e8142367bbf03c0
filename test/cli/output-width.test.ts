import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  renderServeEvent,
  renderServeStart,
  insecureWarning,
} from '../../src/cli/commands/webhook/serve/render.js';
import { createOutput } from '../../src/cli/output.js';
import { openStore } from '../../src/store/open-store.js';
import { startWebhookServer } from '../../src/webhook/server.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay } from '../mail/fake-relay.js';
import { closedPortUrl, startFakeSmtp2go } from '../smtp2go/fake-smtp2go.js';
import { ok, startFakeManagementApi, webhookRoutes } from '../smtp2go/fake-management-api.js';
import { COMMIT_THREAD } from '../webhook/listener-harness.js';

const API_KEY = 'api-0123456789abcdefABCDEF0123453f9a';
const SECRET = 'whsec-long-enough-to-be-valid-0001-and-then-some';
const LONG_PORTAL = 'https://helpdesk-portal.internal.example-company.com';
const NOW = new Date('2026-09-10T09:00:00.000Z');
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** stdout and stderr of a run, each checked at the width it was laid out for. */
function fits(run: { stdout: string; stderr: string }, width: number): void {
  expectFits(run.stdout, width);
  // Errors stay one line whatever their length (a script reads them); everything else on stderr fits.
  expectFits(
    run.stderr
      .split('\n')
      .filter((line) => !line.startsWith('error:'))
      .join('\n'),
    width,
  );
}

describe('every human output fits the terminal', () => {
  const tempDir = useTempDir();

  it('issue 14: doctor, with long messages and fixes, fits 80 and 120 columns', async () => {
    const api = await startFakeManagementApi({
      '/api_keys/permissions': () => ok({ permissions: ['/email/send'] }),
      '/webhook/view': () => ok([]),
    });
    closers.push(() => api.close());
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'),
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      PORTAL_URL: LONG_PORTAL,
    };
    for (const columns of [80, 120]) {
      const run = await runCliInProcess(
        ['doctor', '--listener', (await closedPortUrl()).replace('/v3', ''), '--timeout', '2000'],
        { env, columns },
      );
      expect(run.code).toBe(1);
      fits(run, columns);
      expect(run.stdout).toMatch(/^FAIL config +configuration is missing/m);
      expect(run.stdout).toMatch(/→ configure --sender/);
    }
  });

  it('issue 14: send-test (retries, a refusal and the relay fallback) and configure fit 80 columns', async () => {
    const api = await startFakeSmtp2go([
      {
        status: 503,
        json: {
          data: {
            error: 'Service temporarily unavailable while the upstream mail cluster is being restarted',
          },
        },
      },
      { status: 200, fixture: 'send-failed-200.json' },
    ]);
    const relay = await startFakeRelay({});
    closers.push(api.close, relay.close);
    const db = join(tempDir(), 'portal.db');
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: db,
      SMTP2GO_ENABLED: 'true',
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_API_URL: api.url,
      SMTP2GO_SENDER: 'help@example.com',
      SMTP_HOST: relay.host,
      SMTP_PORT: String(relay.port),
      PORTAL_URL: LONG_PORTAL,
    };
    const run = await runCliInProcess(
      [
        'send-test',
        '--to',
        'a.very.long.customer.name@subdomain.customer-company.example.com',
        '--to',
        'second.customer@example.com',
      ],
      { env, columns: 80, now: () => NOW },
    );
    expect(run.code).toBe(0);
    fits(run, 80);
    expect(run.stdout).toMatch(/^reply id +1$/m);
    const configured = await runCliInProcess(
      [
        'configure',
        '--generate-webhook-secret',
        '--portal-url',
        `${LONG_PORTAL}/a/very/long/path/to/the/portal`,
      ],
      { env: { CI: '1', SMTP2GO_PORTAL_DB: db }, columns: 80 },
    );
    expect(configured.code).toBe(0);
    fits(configured, 80);
  });

  it('issue 14: webhook trigger (local and to a listener), replay and register fit 80 columns', async () => {
    const dir = tempDir();
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(dir, 'portal.db'), SMTP2GO_WEBHOOK_SECRET: SECRET };
    const run = (...args: string[]) => runCliInProcess(args, { env, now: () => NOW, columns: 80 });
    const demo = await run(
      'webhook',
      'trigger',
      'processed',
      '--demo',
      '--recipient',
      'a.very.long.customer.name@subdomain.customer-company.example.com',
    );
    fits(demo, 80);
    expect(demo.stdout).toMatch(/^Stored processed: reply 1\.$/m);
    fits(
      await run(
        'webhook',
        'trigger',
        'click',
        '--reply',
        '1',
        '--url',
        'https://help.example.com/knowledge-base/printers/reset-the-spooler?utm_source=portal',
      ),
      80,
    );
    const store = openStore(join(dir, 'portal.db'));
    closers.push(() => void store.close());
    const server = await startWebhookServer({
      store,
      secrets: [SECRET],
      port: 0,
      now: () => NOW,
      ...COMMIT_THREAD,
    });
    closers.push(() => server.close());
    const posted = await run('webhook', 'trigger', 'delivered', '--reply', '1', '--listener', server.url);
    expect(posted.code).toBe(0);
    fits(posted, 80);
    const refused = await run(
      'webhook',
      'trigger',
      'open',
      '--reply',
      '1',
      '--listener',
      server.url,
      '--sign',
      'bearer',
      '--secret',
      'wrong-secret-but-long-enough-000000',
    );
    expect(refused.code).toBe(1);
    fits(refused, 80);
    fits(await run('webhook', 'replay', '--from-store', '--listener', server.url), 80);
    const file = join(dir, 'e.ndjson');
    writeFileSync(
      file,
      '{"event":"delivered","email_id":"x","rcpt":"a.very.long.customer.name@subdomain.customer-company.example.com"}\nnot json at all, and a long line of it too, long enough to wrap\n',
    );
    fits(await run('webhook', 'replay', '--file', file), 80);
    fits(await run('webhook', 'replay', '--file', file, '--dry-run'), 80);

    const api = await startFakeManagementApi(
      webhookRoutes([
        {
          id: 7,
          url: 'https://old-host.example.com/api/webhooks/smtp2go/events',
          events: ['delivered'],
          output_format: 'form',
          auth_header_type: 'none',
          auth_header_value: '',
          headers: [],
          usernames: [],
        },
      ]),
    );
    closers.push(() => api.close());
    const registerEnv = {
      ...env,
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      PORTAL_URL: LONG_PORTAL,
    };
    const register = await runCliInProcess(['webhook', 'register', '--dry-run'], {
      env: registerEnv,
      columns: 80,
    });
    expect(register.code).toBe(0);
    fits(register, 80);
  });

  it('issue 14: webhook serve start, its warnings and its request lines fit 80 columns', () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const output = createOutput({ stdout, stderr, columns: 80 }, false);
    renderServeStart(output, {
      url: 'http://listener-host.example.internal:8787/api/webhooks/smtp2go/events',
      healthUrl: 'http://0.0.0.0:8787/healthz',
      insecure: false,
      generatedSecret: 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5',
      acceptsPreviousSecret: true,
    });
    output.warn(insecureWarning('http://0.0.0.0:8787/api/webhooks/smtp2go/events'));
    renderServeEvent(
      output,
      {
        method: 'POST',
        path: '/api/webhooks/smtp2go/events',
        status: 200,
        ms: 1.8,
        error: null,
        auth: 'bearer',
        remoteAddress: '127.0.0.1',
        events: [
          { type: 'bounce', replyId: 12, recipient: 'john@example.com', duplicate: false, conflict: true },
        ],
      },
      NOW,
    );
    expectFits(text, 80);
  });
});
