import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/constants.js';
import { assertBuilt, binaryEnv, runBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay, type FakeRelay } from '../mail/fake-relay.js';
import { startFakeSmtp2go, type FakeSmtp2go } from '../smtp2go/fake-smtp2go.js';

describe('send-test through the built binary', () => {
  const tempDir = useTempDir();
  let api: FakeSmtp2go | undefined;
  let relay: FakeRelay | undefined;
  afterEach(async () => {
    await api?.close();
    await relay?.close();
  });
  beforeAll(assertBuilt);

  it('sends through the API, then exits at once (the keep-alive socket does not hold the process)', async () => {
    api = await startFakeSmtp2go([{ status: 200, fixture: 'send-ok.json' }]);
    const home = tempDir();
    const env = binaryEnv(home, {
      SMTP2GO_ENABLED: '1',
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_API_URL: api.url,
      SMTP2GO_SENDER: 'help@example.com',
    });
    const result = await runBinary(['send-test', '--to', 'john@example.com', '--json'], { env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      version: 1,
      transport: 'api',
      smtp2go_email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
    });
    expect(result.ms).toBeLessThan(5_000);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });

  it('an API refusal and a relay rejection: exit 1, both reasons, no key', async () => {
    api = await startFakeSmtp2go([{ status: 401, fixture: 'error-permission.json' }]);
    relay = await startFakeRelay({ rejectRecipients: ['john@example.com'] });
    const env = binaryEnv(tempDir(), {
      SMTP2GO_ENABLED: '1',
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_API_URL: api.url,
      SMTP2GO_SENDER: 'help@example.com',
      SMTP_HOST: relay.host,
      SMTP_PORT: String(relay.port),
    });
    const result = await runBinary(['send-test', '--to', 'john@example.com'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /error: not delivered to john@example\.com: api: auth: .* \| smtp: smtp_recipients/,
    );
    expect(result.stdout).toMatch(/^api {2}failed HTTP 401/m);
    expect(result.stdout + result.stderr).not.toContain(API_KEY);
  });
});
