import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import { ok, startFakeManagementApi, webhookRoutes, type FakeManagementApi, type StoredWebhook } from '../smtp2go/fake-management-api.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'smtp2go-portal.js');
const API_KEY = `api-${'E2E'.padEnd(28, '0')}9z9z`;
const SECRET = 'whsec-long-enough-to-be-valid-e2e1';

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr, ms: Date.now() - started });
    });
  });
}

let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('operator commands, built binary', () => {
  const tempDir = useTempDir();
  beforeAll(() => {
    if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build`');
  });

  it('webhook register then doctor: the webhook check passes and the process exits promptly after keep-alive API calls', async () => {
    const webhooks: StoredWebhook[] = [];
    api = await startFakeManagementApi({ ...webhookRoutes(webhooks), '/api_keys/permissions': () => ok({ permissions: ['/email/send'] }) });
    const home = tempDir();
    const env = {
      PATH: process.env.PATH ?? '', HOME: home, CI: '1', SMTP2GO_API_URL: api.url, SMTP2GO_API_KEY: API_KEY, SMTP2GO_WEBHOOK_SECRET: SECRET,
      PORTAL_URL: 'https://portal.example.com', SMTP2GO_SENDER: 'support@example.com',
    };
    const registered = await run(['webhook', 'register'], env);
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/^Created the SMTP2Go webhook #4320/);
    const doctor = await run(['doctor', '--json', '--listener', (await closedPortUrl()).replace('/v3', '/healthz')], env);
    const doc = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    expect(doc.checks.find((check) => check.name === 'webhook')?.status).toBe('ok');
    expect(doc.checks.find((check) => check.name === 'api-key')?.status).toBe('ok');
    expect(doc.ok).toBe(true);
    expect(doctor.code).toBe(0);
    expect(doctor.ms).toBeLessThan(5_000);
    expect(doctor.stdout + doctor.stderr + registered.stdout + registered.stderr).not.toContain(SECRET);
  });

  it('completion bash prints a script that names every top-level command', async () => {
    const result = await run(['completion', 'bash'], { PATH: process.env.PATH ?? '', HOME: tempDir(), CI: '1' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('complete -F _smtp2go_portal smtp2go-portal');
    for (const command of ['configure', 'send-test', 'webhook', 'doctor', 'completion']) expect(result.stdout).toContain(command);
  });
});
