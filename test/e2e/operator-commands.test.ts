import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt, binaryEnv, runBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import {
  ok,
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

describe('operator commands, built binary', () => {
  const tempDir = useTempDir();
  beforeAll(assertBuilt);

  it('webhook register then doctor: the webhook check passes and the process exits promptly after keep-alive API calls', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi({
      ...webhookRoutes(webhooks),
      '/api_keys/permissions': () => ok({ permissions: ['/email/send'] }),
    });
    const home = tempDir();
    const env = binaryEnv(home, {
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PORTAL_URL: 'https://portal.example.com',
      SMTP2GO_SENDER: 'support@example.com',
    });
    const registered = await runBinary(['webhook', 'register'], { env });
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/^Created the SMTP2Go webhook #4320/);
    const doctor = await runBinary(
      ['doctor', '--json', '--listener', (await closedPortUrl()).replace('/v3', '/healthz')],
      { env },
    );
    const doc = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    expect(doc.checks.find((check) => check.name === 'webhook')?.status).toBe('ok');
    expect(doc.checks.find((check) => check.name === 'api-key')?.status).toBe('ok');
    expect(doc.ok).toBe(true);
    expect(doctor.code).toBe(0);
    expect(doctor.ms).toBeLessThan(5_000);
    expect(doctor.stdout + doctor.stderr + registered.stdout + registered.stderr).not.toContain(
      WEBHOOK_SECRET,
    );
  });

  it('completion bash prints a script that names every top-level command', async () => {
    const result = await runBinary(['completion', 'bash'], { env: binaryEnv(tempDir()) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('complete -F _smtp2go_portal smtp2go-portal');
    for (const command of ['configure', 'send-test', 'webhook', 'doctor', 'completion'])
      expect(result.stdout).toContain(command);
  });
});
