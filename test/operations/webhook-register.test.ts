import { afterEach, describe, expect, it } from 'vitest';
import type { PortalError } from '../../src/core/errors.js';

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as PortalError,
  );
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import { runWebhookRegister } from '../../src/operations/webhook-register.js';
import { runWebhookUnregister } from '../../src/operations/webhook-unregister.js';
import { API_KEY, WEBHOOK_SECRET } from '../helpers/constants.js';
import {
  startFakeManagementApi,
  webhookRoutes,
  type FakeManagementApi,
  type StoredWebhook,
} from '../smtp2go/fake-management-api.js';

const LISTENER = 'https://portal.example.com/api/webhooks/smtp2go/events';
let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

function settingsFor(url: string, overrides: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULT_SETTINGS,
    apiUrl: url,
    apiKey: API_KEY,
    webhookSecret: WEBHOOK_SECRET,
    portalUrl: 'https://portal.example.com',
    ...overrides,
  };
}

function stored(overrides: Partial<StoredWebhook> = {}): StoredWebhook {
  return {
    id: 4320,
    url: LISTENER,
    events: ['delivered'],
    headers: [],
    usernames: [],
    output_format: 'form',
    auth_header_type: '',
    auth_header_value: '',
    ...overrides,
  };
}

describe('runWebhookRegister', () => {
  it('creates the webhook when none exists: json, bearer secret, tracking header, implied events; reads it back', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    const result = await runWebhookRegister(
      { dryRun: false },
      { settings: settingsFor(api.url, { trackClicks: false }) },
    );
    expect(result.action).toBe('created');
    expect(webhooks).toHaveLength(1);
    expect(webhooks[0]).toMatchObject({
      url: LISTENER,
      output_format: 'json',
      auth_header_type: 'bearer',
      auth_header_value: WEBHOOK_SECRET,
      headers: ['X-Portal-Tracking-Id'],
    });
    expect(webhooks[0]?.events).toEqual([
      'processed',
      'delivered',
      'bounce',
      'reject',
      'spam',
      'unsubscribe',
      'open',
    ]);
    expect(result.after).toMatchObject({ id: '4320', output_format: 'json' });
    expect(result.problems).toEqual([]);
    expect(api.calls('/webhook/view')).toHaveLength(2);
    expect(JSON.stringify(result)).not.toContain(WEBHOOK_SECRET);
  });

  it('updates the existing webhook in place (never adds a second) and reports the difference masked', async () => {
    const webhooks = [stored()];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    const result = await runWebhookRegister({ dryRun: false }, { settings: settingsFor(api.url) });
    expect(result.action).toBe('updated');
    expect(api.calls('/webhook/add')).toHaveLength(0);
    expect(api.calls('/webhook/edit')[0]?.body.id).toBe(4320);
    expect(webhooks).toHaveLength(1);
    expect(webhooks[0]?.output_format).toBe('json');
    const fields = Object.fromEntries(result.changes.map((change) => [change.field, change]));
    expect(fields.output_format).toEqual({ field: 'output_format', before: 'form', after: 'json' });
    expect(fields.auth_header_value?.after).toBe('••••••••0001');
    expect(JSON.stringify(result)).not.toContain(WEBHOOK_SECRET);
  });

  it('is idempotent: a second run changes nothing and writes nothing', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    await runWebhookRegister({ dryRun: false }, { settings: settingsFor(api.url) });
    const again = await runWebhookRegister({ dryRun: false }, { settings: settingsFor(api.url) });
    expect(again.action).toBe('unchanged');
    expect(again.changes).toEqual([]);
    expect(api.calls('/webhook/add')).toHaveLength(1);
    expect(api.calls('/webhook/edit')).toHaveLength(0);
  });

  it('finds its webhook on the listener path after the portal moved host', async () => {
    const webhooks = [stored({ url: 'https://old-host.example.com/api/webhooks/smtp2go/events/' })];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    const result = await runWebhookRegister({ dryRun: false }, { settings: settingsFor(api.url) });
    expect(result.action).toBe('updated');
    expect(webhooks.map((w) => w.url)).toEqual([LISTENER]);
  });

  it('--dry-run reports the plan and writes nothing', async () => {
    const webhooks = [stored()];
    api = await startFakeManagementApi(webhookRoutes(webhooks));
    const result = await runWebhookRegister(
      { dryRun: true, events: ['opened,clicked', 'bounce'] },
      { settings: settingsFor(api.url) },
    );
    expect(result.action).toBe('would-update');
    expect(result.events).toEqual(['open', 'click', 'bounce']);
    expect(api.requests.map((r) => r.path)).toEqual(['/webhook/view']);
    expect(webhooks[0]?.output_format).toBe('form');
  });

  it("a free plan's one webhook belonging to someone else: the refusal names it and the fix", async () => {
    const webhooks = [stored({ id: 77, url: 'https://crm.example.com/hooks/smtp2go' })];
    api = await startFakeManagementApi(webhookRoutes(webhooks, 1));
    const error = await failure(runWebhookRegister({ dryRun: false }, { settings: settingsFor(api.url) }));
    expect(error.message).toMatch(/limit is reached \(#77 https:\/\/crm\.example\.com\/hooks\/smtp2go\)/);
    expect(error.hint).toMatch(/webhook unregister --id/);
    expect(error.exitCode).toBe(1);
    expect(webhooks).toHaveLength(1);
    expect(webhooks[0]?.url).toBe('https://crm.example.com/hooks/smtp2go');
  });

  it.each([
    [{ webhookSecret: null }, /no webhook secret/],
    [{ portalUrl: null }, /no portal URL/],
    [{ apiKey: null }, /no SMTP2Go API key/],
  ])('missing configuration %j is a config error before any request', async (overrides, message) => {
    api = await startFakeManagementApi(webhookRoutes([]));
    const error = await failure(
      runWebhookRegister({ dryRun: false }, { settings: settingsFor(api.url, overrides) }),
    );
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(api.requests).toHaveLength(0);
  });

  it('rejects an unknown --events name instead of letting SMTP2Go ignore it silently', async () => {
    await expect(
      runWebhookRegister(
        { dryRun: true, events: ['opne'] },
        { settings: settingsFor('http://127.0.0.1:1/v3') },
      ),
    ).rejects.toThrow(/unknown event "opne"/);
  });
});

describe('runWebhookUnregister', () => {
  it('removes the portal webhook only after confirmation', async () => {
    const webhooks = [stored(), stored({ id: 9, url: 'https://crm.example.com/x' })];
    api = await startFakeManagementApi(webhookRoutes(webhooks, 5));
    const declined = await runWebhookUnregister(
      {},
      { settings: settingsFor(api.url), confirm: async () => false },
    );
    expect(declined.removed).toBe(false);
    expect(webhooks).toHaveLength(2);
    const removed = await runWebhookUnregister(
      {},
      { settings: settingsFor(api.url), confirm: async (w) => w.id === '4320' },
    );
    expect(removed.removed).toBe(true);
    expect(webhooks.map((w) => w.id)).toEqual([9]);
  });

  it('an unknown portal webhook is not found, listing what exists', async () => {
    api = await startFakeManagementApi(webhookRoutes([stored({ id: 9, url: 'https://crm.example.com/x' })]));
    const error = await failure(
      runWebhookUnregister({}, { settings: settingsFor(api.url), confirm: async () => true }),
    );
    expect(error.message).toMatch(/no webhook for https:\/\/portal\.example\.com/);
    expect(error.hint).toMatch(/#9 https:\/\/crm\.example\.com\/x/);
  });
});
