import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, binaryEnv, runBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { after, formFixture, fromFixture, recordSend, SEC, SENT } from '../operations/stats-stores.js';
import { FORM_TYPE, useListeners } from '../webhook/listener-harness.js';

describe('stats through the built binary, events through a real listener over HTTP', () => {
  const tempDir = useTempDir();
  const listen = useListeners();
  beforeAll(assertBuilt);

  it('tells a reply story and the summary while the listener holds the store open', async () => {
    const dir = tempDir();
    const listener = await listen(dir);
    const id = recordSend(listener.store, {
      to: ['ann@example.org'],
      cc: ['nobody@nonexistent.test'],
      transport: 'api',
      emailId: '1uBin-0001',
    });
    const posts = [
      await listener.post(
        JSON.stringify(
          fromFixture('processed.live.json', {
            email_id: '1uBin-0001',
            recipients: ['ann@example.org', 'nobody@nonexistent.test'],
            time: after(1 * SEC),
          }),
        ),
      ),
      await listener.post(
        formFixture('delivered.live.form', {
          email_id: '1uBin-0001',
          rcpt: 'ann@example.org',
          time: after(4 * SEC),
          'message-id': '<E1uBin-0001@message-id.smtpcorp.com>',
        }),
        { contentType: FORM_TYPE },
      ),
      await listener.post(
        JSON.stringify(
          fromFixture('bounce-hard.live.json', {
            email_id: '1uBin-0001',
            rcpt: 'nobody@nonexistent.test',
            time: after(6 * SEC),
          }),
        ),
      ),
      // SMTP2Go retries what it thinks failed: the same notification again.
      await listener.post(
        formFixture('delivered.live.form', {
          email_id: '1uBin-0001',
          rcpt: 'ann@example.org',
          time: after(4 * SEC),
          'message-id': '<E1uBin-0001@message-id.smtpcorp.com>',
        }),
        { contentType: FORM_TYPE },
      ),
      await listener.post(
        JSON.stringify(
          fromFixture('delivered.live.json', {
            email_id: '1uUnknown-0002',
            rcpt: 'who@example.com',
            time: after(9 * SEC),
          }),
        ),
      ),
    ];
    expect(posts.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);

    const env = binaryEnv(dir, { TZ: 'America/New_York' });
    const db = join(dir, 'portal.db');
    const human = await runBinary(['--db', db, 'stats', '--reply', String(id)], { env });
    expect(human.stderr).toBe('');
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Times in America/New_York.');
    expect(human.stdout).toMatch(/status\s+bounced: delivered to 1 of 2, bounced 1\n/);
    expect(human.stdout).toMatch(/delivered\s+2026-11-24 05:00:04 -05:00 \(4 s after sending\)/);

    const json = await runBinary(['--db', db, '--json', 'stats', '--reply', String(id)], { env });
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      status: string;
      sent_at: string;
      events: Array<{ type: string }>;
    };
    expect(doc).toMatchObject({
      version: 1,
      reply_id: id,
      status: 'bounced',
      sent_at: SENT.toISOString(),
      bounce_type: 'hard',
      delivered_at: after(4 * SEC),
    });
    expect(doc.events.map((e) => e.type)).toEqual(['processed', 'delivered', 'bounce']);

    const summary = await runBinary(['stats', '--json', '--by', 'domain'], {
      env: { ...env, SMTP2GO_PORTAL_DB: db },
    });
    expect(summary.code).toBe(0);
    expect(JSON.parse(summary.stdout)).toMatchObject({
      version: 1,
      time_zone: 'America/New_York',
      total: { replies: 1, recipients: 2, delivered: 1, bounced: 1, bounced_hard: 1 },
      groups: [
        { key: 'example.org', delivered: 1 },
        { key: 'nonexistent.test', bounced: 1 },
      ],
      unlinked: { total: 1, by_type: { delivered: 1 } },
    });

    const missing = await runBinary(['--db', db, '--json', 'stats', '--reply', '999'], { env });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({
      version: 1,
      error: { code: 'not_found', message: 'reply 999 not found' },
    });
    const missingHuman = await runBinary(['--db', db, 'stats', '--reply', '999'], { env });
    expect(missingHuman).toMatchObject({ code: 1, stdout: '' });
    expect(missingHuman.stderr).toMatch(/^error: reply 999 not found/);
  });
});
