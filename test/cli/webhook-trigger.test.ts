import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { startWebhookServer } from '../../src/webhook/server.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { COMMIT_THREAD } from '../webhook/listener-harness.js';

const SECRET = 'cli-trigger-secret-0123456789abcdefghijkl';
const NOW = new Date('2026-09-10T09:00:00.000Z');
const tempDir = useTempDir();

function cli(dir: string) {
  const env = { CI: '1', SMTP2GO_PORTAL_DB: join(dir, 'portal.db'), SMTP2GO_WEBHOOK_SECRET: SECRET };
  return (...args: string[]) => runCliInProcess(args, { env, now: () => NOW, columns: 120 });
}

describe('webhook trigger command', () => {
  it('--demo then --reply: human lines say what was created and stored', async () => {
    const run = cli(tempDir());
    const demo = await run('webhook', 'trigger', 'processed', '--demo');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/^Created demo reply 1 \(nothing was sent\)\.\nStored processed: reply 1\.\n {2}email id 1\w{5}-\w{12}-\w{4}(, |\n {2})notification [0-9a-f]{32}\n$/);
    const open = await run('webhook', 'trigger', 'open', '--reply', '1');
    expect(open.stdout).toMatch(/^Stored open for customer@example\.com: reply 1\.\n {2}email id \S+(, |\n {2})notification [0-9a-f]{32}\n$/);
    expect(open.stderr).toBe('');
  });

  it('--json: one versioned document with the body that was applied', async () => {
    const run = cli(tempDir());
    await run('webhook', 'trigger', 'processed', '--demo');
    const result = await run('webhook', 'trigger', 'click', '--reply', '1', '--url', 'https://example.com/kb/7', '--json');
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ version: 1, event: 'click', reply_id: 1, demo_reply_created: false, recipient: 'customer@example.com', format: 'json', applied: { stored: true, duplicate: false, reply_id: 1 }, delivery: null });
    expect(JSON.parse(doc.body as string)).toMatchObject({ event: 'click', url: 'https://example.com/kb/7', rcpt: 'customer@example.com' });
  });

  it('unknown event exits 2 naming the valid ones; an unknown reply exits 1', async () => {
    const run = cli(tempDir());
    const unknown = await run('webhook', 'trigger', 'exploded', '--reply', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event "exploded"');
    expect(unknown.stderr).toContain('processed, delivered, open, click, bounce, spam, reject, unsubscribe, resubscribe');
    const missing = await run('webhook', 'trigger', 'open', '--reply', '7');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('reply 7 not found');
  });

  it('--listener: prints status; a refusal exits 1 and --json carries the error in the one document; the secret never shows', async () => {
    const dir = tempDir();
    const run = cli(dir);
    await run('webhook', 'trigger', 'processed', '--demo');
    const store = openStore(join(dir, 'portal.db'));
    const server = await startWebhookServer({ store, secrets: [SECRET], port: 0, now: () => NOW, ...COMMIT_THREAD });
    try {
      const ok = await run('webhook', 'trigger', 'delivered', '--reply', '1', '--listener', server.url);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`POST delivered for customer@example.com to ${server.url} (json, hmac)`);
      expect(ok.stdout).toMatch(/HTTP 200 in \d+ ms/);
      const refused = await run('webhook', 'trigger', 'open', '--reply', '1', '--listener', server.url, '--sign', 'bearer', '--secret', 'wrong-secret-but-long-enough-000000', '--json');
      expect(refused.code).toBe(1);
      const doc = JSON.parse(refused.stdout) as { delivery: { status: number }; error: { message: string } };
      expect(doc.delivery.status).toBe(401);
      expect(doc.error.message).toBe('the listener did not take the event: HTTP 401');
      expect(refused.stderr).toBe('');
      expect(ok.stdout + ok.stderr + refused.stdout).not.toContain(SECRET);
    } finally {
      await server.close();
      store.close();
    }
  });
});
