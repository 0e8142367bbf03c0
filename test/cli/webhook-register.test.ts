import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Prompter } from '../../src/cli/prompts.js';
import { API_KEY, WEBHOOK_SECRET } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import {
  startFakeManagementApi,
  webhookRoutes,
  type FakeManagementApi,
  type StoredWebhook,
} from '../smtp2go/fake-management-api.js';

let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('webhook register / unregister', () => {
  const tempDir = useTempDir();
  const envFor = (url: string) => ({
    CI: '1',
    SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'),
    SMTP2GO_API_URL: url,
    SMTP2GO_API_KEY: API_KEY,
    SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PORTAL_URL: 'https://portal.example.com',
  });

  it('register --json prints one document with the read-back webhook and never the secret', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    const result = await runCliInProcess(['webhook', 'register', '--json'], { env: envFor(api.url) });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as {
      version: number;
      webhook: { action: string; after: { output_format: string; auth_header_value: string } };
    };
    expect(doc.version).toBe(1);
    expect(doc.webhook).toMatchObject({
      action: 'created',
      dry_run: false,
      webhook_id: '4320',
      url: 'https://portal.example.com/api/webhooks/smtp2go/events',
    });
    expect(doc.webhook.after.output_format).toBe('json');
    expect(doc.webhook.after.auth_header_value).toBe('••••••••0001');
    expect(result.stdout + result.stderr).not.toContain(WEBHOOK_SECRET);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });

  it('register on a terminal shows the difference, line per field', async () => {
    api = await startFakeManagementApi(
      webhookRoutes([
        {
          id: 5,
          url: 'https://portal.example.com/api/webhooks/smtp2go/events',
          events: ['delivered'],
          headers: [],
          usernames: [],
          output_format: 'form',
          auth_header_type: '',
          auth_header_value: '',
        },
      ]),
    );
    const result = await runCliInProcess(
      ['webhook', 'register', '--public-url', 'https://portal.example.com', '--dry-run'],
      { env: envFor(api.url), columns: 200 },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Would update the SMTP2Go webhook #5: .*\(dry run, nothing changed\)/);
    expect(result.stdout).toContain('headers: (none) → X-Portal-Tracking-Id');
    expect(result.stdout).toContain('auth_header_value: (none) → ••••••••0001');
    expect(result.stdout).toContain('output_format: form → json');
    expect(result.stdout).toContain('auth_header_type: (none) → bearer');
    expect(result.stdout).not.toContain(WEBHOOK_SECRET);
    expect(api.calls('/webhook/edit')).toHaveLength(0);
  });

  it('the plan-limit refusal exits 1 with the existing webhook named', async () => {
    api = await startFakeManagementApi(
      webhookRoutes(
        [
          {
            id: 77,
            url: 'https://crm.example.com/hook',
            events: [],
            headers: [],
            usernames: [],
            output_format: 'json',
            auth_header_type: '',
            auth_header_value: '',
          },
        ],
        1,
      ),
    );
    const result = await runCliInProcess(['webhook', 'register'], { env: envFor(api.url) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/limit is reached \(#77 https:\/\/crm\.example\.com\/hook\)/);
  });

  it('unregister without --yes and without a terminal is a usage error naming --yes, and removes nothing', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    await runCliInProcess(['webhook', 'register'], { env: envFor(api.url) });
    const refused = await runCliInProcess(['webhook', 'unregister'], { env: envFor(api.url) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(webhooks).toHaveLength(1);
    const removed = await runCliInProcess(['webhook', 'unregister', '--yes', '--json'], {
      env: envFor(api.url),
    });
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ removed: true, webhook: { id: '4320' } });
    expect(webhooks).toHaveLength(0);
  });

  it('unregister on a terminal asks, and a "no" keeps the webhook', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    const env = envFor(api.url);
    await runCliInProcess(['webhook', 'register'], { env });
    const asked: string[] = [];
    const prompter: Prompter = {
      input: async () => '',
      password: async () => '',
      confirm: async ({ message }) => {
        asked.push(message);
        return false;
      },
    };
    const { CI: _ci, ...interactiveEnv } = env;
    const result = await runCliInProcess(['webhook', 'unregister'], {
      env: interactiveEnv,
      tty: true,
      prompter,
    });
    expect(result.code).toBe(0);
    expect(asked[0]).toMatch(/Remove SMTP2Go webhook #4320/);
    expect(result.stdout).toContain('Nothing removed.');
    expect(webhooks).toHaveLength(1);
  });
});
