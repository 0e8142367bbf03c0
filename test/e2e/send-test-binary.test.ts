import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay, type FakeRelay } from '../mail/fake-relay.js';
import { startFakeSmtp2go, type FakeSmtp2go } from '../smtp2go/fake-smtp2go.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'smtp2go-portal.js');
const API_KEY = `api-${'BIN'.padEnd(28, '0')}7q7q`;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('send-test through the built binary', () => {
  const tempDir = useTempDir();
  let api: FakeSmtp2go | undefined;
  let relay: FakeRelay | undefined;
  afterEach(async () => {
    await api?.close();
    await relay?.close();
  });
  beforeAll(() => {
    if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build`');
  });

  it('sends through the API, then exits at once (the keep-alive socket does not hold the process)', async () => {
    api = await startFakeSmtp2go([{ status: 200, fixture: 'send-ok.json' }]);
    const home = tempDir();
    const env = { PATH: process.env.PATH ?? '', HOME: home, CI: '1', SMTP2GO_ENABLED: '1', SMTP2GO_API_KEY: API_KEY, SMTP2GO_API_URL: api.url, SMTP2GO_SENDER: 'help@example.com' };
    const result = await run(['send-test', '--to', 'john@example.com', '--json'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ version: 1, transport: 'api', smtp2go_email_id: '1u0SwL-B9zBpi9ffUq-JAB2' });
    expect(result.ms).toBeLessThan(5_000);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });

  it('an API refusal and a relay rejection: exit 1, both reasons, no key', async () => {
    api = await startFakeSmtp2go([{ status: 401, fixture: 'error-permission.json' }]);
    relay = await startFakeRelay({ rejectRecipients: ['john@example.com'] });
    const env = {
      PATH: process.env.PATH ?? '', HOME: tempDir(), CI: '1', SMTP2GO_ENABLED: '1', SMTP2GO_API_KEY: API_KEY, SMTP2GO_API_URL: api.url,
      SMTP2GO_SENDER: 'help@example.com', SMTP_HOST: relay.host, SMTP_PORT: String(relay.port),
    };
    const result = await run(['send-test', '--to', 'john@example.com'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: not delivered to john@example\.com: api: auth: .* \| smtp: smtp_recipients/);
    expect(result.stdout).toMatch(/^api {2}failed HTTP 401/m);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });
});
