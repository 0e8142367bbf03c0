import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { startWebhookServer } from '../../src/webhook/server.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { COMMIT_THREAD } from '../webhook/listener-harness.js';

const NOW = new Date('2026-09-10T09:00:00.000Z');
const tempDir = useTempDir();

function cli(dir: string) {
  const env = { CI: '1', SMTP2GO_PORTAL_DB: join(dir, 'portal.db'), SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
  return (...args: string[]) => runCliInProcess(args, { env, now: () => NOW, columns: 120 });
}

describe('webhook trigger command', () => {
  it('--demo then --reply: human lines say what was created and stored', async () => {
    const run = cli(tempDir());
    const demo = await run('webhook', 'trigger', 'processed', '--demo');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(
      /^Created demo reply 1 \(nothing was sent\)\.\nStored processed: reply 1\.\n {2}email id 1\w{5}-\w{12}-\w{4}(, |\n {2})notification [0-9a-f]{32}\n$/,
    );
    const open = await run('webhook', 'trigger', 'open', '--reply', '1');
    expect(open.stdout).toMatch(
      /^Stored open for customer@example\.com: reply 1\.\n {2}email id \S+(, |\n {2})notification [0-9a-f]{32}\n$/,
    );
    expect(open.stderr).toBe('');
  });

  it('--json: one versioned document with the body that was applied', async () => {
    const run = cli(tempDir());
    await run('webhook', 'trigger', 'processed', '--demo');
    const result = await run(
      'webhook',
      'trigger',
      'click',
      '--reply',
      '1',
      '--url',
      'https://example.com/kb/7',
      '--json',
    );
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      version: 1,
      event: 'click',
      reply_id: 1,
      demo_reply_created: false,
      recipient: 'customer@example.com',
      format: 'json',
      applied: { stored: true, duplicate: false, reply_id: 1 },
      delivery: null,
    });
    expect(JSON.parse(doc.body as string)).toMatchObject({
      event: 'click',
      url: 'https://example.com/kb/7',
      rcpt: 'customer@example.com',
    });
  });

  it('unknown event exits 2 naming the valid ones; an unknown reply exits 1', async () => {
    const run = cli(tempDir());
    const unknown = await run('webhook', 'trigger', 'exploded', '--reply', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown event "exploded"');
    expect(unknown.stderr).toContain(
      'processed, delivered, open, click, bounce, spam, reject, unsubscribe, resubscribe',
    );
    const missing = await run('webhook', 'trigger', 'open', '--reply', '7');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('reply 7 not found');
  });

  it('--listener: prints status; a refusal exits 1 and --json carries the error in the one document; the secret never shows', async () => {
    const dir = tempDir();
    const run = cli(dir);
    await run('webhook', 'trigger', 'processed', '--demo');
    const store = openStore(join(dir, 'portal.db'));
    const server = await startWebhookServer({
      store,
      secrets: [WEBHOOK_SECRET],
      port: 0,
      now: () => NOW,
      ...COMMIT_THREAD,
    });
    try {
      const ok = await run('webhook', 'trigger', 'delivered', '--reply', '1', '--listener', server.url);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain(`POST delivered for customer@example.com to ${server.url} (json, hmac)`);
      expect(ok.stdout).toMatch(/HTTP 200 in \d+ ms/);
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
        '--json',
      );
      expect(refused.code).toBe(1);
      const doc = JSON.parse(refused.stdout) as { delivery: { status: number }; error: { message: string } };
      expect(doc.delivery.status).toBe(401);
      expect(doc.error.message).toBe('the listener did not take the event: HTTP 401');
      expect(refused.stderr).toBe('');
      expect(ok.stdout + ok.stderr + refused.stdout).not.toContain(WEBHOOK_SECRET);
    } finally {
      await server.close();
      store.close();
    }
  });

  it("issue 14: the email id trigger prints is the demo reply's own: stats shows it and --email-id finds the reply", async () => {
    const run = cli(tempDir());
    await run('webhook', 'trigger', 'processed', '--demo');
    const delivered = await run('webhook', 'trigger', 'delivered', '--reply', '1', '--json');
    const emailId = (JSON.parse(delivered.stdout) as { email_id: string }).email_id;
    const story = await run('stats', '--reply', '1', '--json');
    expect((JSON.parse(story.stdout) as { smtp2go_email_id: string | null }).smtp2go_email_id).toBe(emailId);
    const human = await run('stats', '--reply', '1');
    expect(human.stdout).toMatch(new RegExp(`SMTP2Go email id +${emailId}\\n`));
    const byEmailId = await run('webhook', 'trigger', 'open', '--email-id', emailId);
    expect(byEmailId.code).toBe(0);
    // The ids go on a line of their own under the sentence (issue 14 layout).
    expect(byEmailId.stdout).toMatch(
      new RegExp(
        `^Stored open for customer@example\\.com: reply 1\\.\\n {2}email id ${emailId}, notification [0-9a-f]{32}\\n$`,
      ),
    );
  });

  it('issue 14: --email-id finds a reply SMTP2Go gave no email id through the events trigger stored for it', async () => {
    const dir = tempDir();
    const run = cli(dir);
    await run('webhook', 'trigger', 'processed', '--demo');
    // A reply without an email id of its own (relay-only, or a send in doubt): its events carry a derived one.
    const store = openStore(join(dir, 'portal.db'));
    store.prepare('UPDATE ticket_replies SET smtp2go_email_id = NULL WHERE id = 1').run();
    store.close();
    const delivered = JSON.parse(
      (await run('webhook', 'trigger', 'delivered', '--reply', '1', '--json')).stdout,
    ) as { email_id: string };
    const byEmailId = await run('webhook', 'trigger', 'open', '--email-id', delivered.email_id, '--json');
    expect(byEmailId.code).toBe(0);
    expect(JSON.parse(byEmailId.stdout)).toMatchObject({
      reply_id: 1,
      recipient: 'customer@example.com',
      applied: { stored: true, reply_id: 1 },
    });
  });

  it('issue 14: a --recipient the reply was not sent to is refused (exit 2, nothing stored) unless --force', async () => {
    const dir = tempDir();
    const run = cli(dir);
    await run('webhook', 'trigger', 'processed', '--demo');
    const refused = await run(
      'webhook',
      'trigger',
      'open',
      '--reply',
      '1',
      '--recipient',
      'stranger@example.net',
    );
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      'error: stranger@example.net is not a recipient of reply 1 (its recipients: customer@example.com; pass --force to store the event anyway)\n',
    );
    const count = () => {
      const store = openStore(join(dir, 'portal.db'));
      try {
        return store
          .prepare("SELECT COUNT(*) FROM email_tracking_events WHERE recipient = 'stranger@example.net'")
          .pluck()
          .get();
      } finally {
        store.close();
      }
    };
    expect(count()).toBe(0);
    const sameRecipient = await run(
      'webhook',
      'trigger',
      'open',
      '--reply',
      '1',
      '--recipient',
      'Customer@Example.com',
    );
    expect(sameRecipient.code).toBe(0);
    const forced = await run(
      'webhook',
      'trigger',
      'open',
      '--reply',
      '1',
      '--recipient',
      'stranger@example.net',
      '--force',
    );
    expect(forced.code).toBe(0);
    expect(count()).toBe(1);
  });
});
