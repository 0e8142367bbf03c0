import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWebhookServe } from '../../src/operations/webhook-serve.js';
import { loadModuleSettings, saveModuleSettings } from '../../src/store/module-settings.js';
import { openStore } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { COMMIT_THREAD } from '../webhook/listener-harness.js';

const tempDir = useTempDir();
const now = () => new Date('2026-09-10T09:00:00Z');
const options = { host: '127.0.0.1', port: 0, path: '/api/webhooks/smtp2go/events', insecure: false };

async function postWith(url: string, token: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"event":"open","rcpt":"a@b.org"}',
  });
  return response.status;
}

describe('runWebhookServe', () => {
  it('generates, stores and returns a secret when none is configured, keeping the other settings', async () => {
    const store = openStore(join(tempDir(), 'portal.db'));
    saveModuleSettings(store, { enabled: true, sender: 'desk@example.com' }, now());
    const served = await runWebhookServe(options, { store, env: {}, now, ...COMMIT_THREAD });
    try {
      expect(served.generatedSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(loadModuleSettings(store)).toMatchObject({
        enabled: true,
        sender: 'desk@example.com',
        webhookSecret: served.generatedSecret,
      });
      expect(await postWith(served.url, served.generatedSecret!)).toBe(200);
    } finally {
      await served.close();
      store.close();
    }
  });

  it('uses the configured secret from the environment and the previous one, storing nothing', async () => {
    const store = openStore(join(tempDir(), 'portal.db'));
    const env = {
      SMTP2GO_WEBHOOK_SECRET: 'env-secret-0123456789abcdef',
      SMTP2GO_WEBHOOK_SECRET_PREVIOUS: 'old-secret-0123456789abcdef',
    };
    const served = await runWebhookServe(options, { store, env, now, ...COMMIT_THREAD });
    try {
      expect(served).toMatchObject({ generatedSecret: null, acceptsPreviousSecret: true });
      expect(loadModuleSettings(store).webhookSecret).toBeUndefined();
      expect(await postWith(served.url, env.SMTP2GO_WEBHOOK_SECRET)).toBe(200);
      expect(await postWith(served.url, env.SMTP2GO_WEBHOOK_SECRET_PREVIOUS)).toBe(200);
      expect(await postWith(served.url, 'something-else')).toBe(401);
    } finally {
      await served.close();
      store.close();
    }
  });

  it('names a port in use and stores no secret nobody will see', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const store = openStore(join(tempDir(), 'portal.db'));
    try {
      await expect(
        runWebhookServe({ ...options, port }, { store, env: {}, now, ...COMMIT_THREAD }),
      ).rejects.toMatchObject({
        code: 'runtime',
        message: expect.stringMatching(/port is in use/),
        exitCode: 1,
      });
      expect(loadModuleSettings(store).webhookSecret).toBeUndefined();
    } finally {
      store.close();
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
