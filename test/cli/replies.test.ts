import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createReply } from '../../src/store/replies.js';
import { finishReplySend } from '../../src/store/reply-sends.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeSmtp2go } from '../smtp2go/fake-smtp2go.js';
import { deliveredAndOpened, HOUR, multiWithBounce, recordSend, SENT } from '../operations/stats-stores.js';

const tempDir = useTempDir();
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function store(): { db: Store; path: string } {
  const path = join(tempDir(), 'portal.db');
  const db = openStore(path);
  closers.push(() => void db.close());
  return { db, path };
}

const NOW = new Date(SENT.getTime() + 30 * HOUR);
const cli = (path: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCliInProcess(['--db', path, ...args], { env: { CI: '1', TZ: 'Europe/Paris', ...env }, now: () => NOW });

describe('replies (human)', () => {
  it('a table in 80 columns, newest first, times in the operator zone; a long address is cut, never its (+N)', async () => {
    const { db, path } = store();
    const opened = deliveredAndOpened(db);
    const bounced = multiWithBounce(db);
    const long = recordSend(db, {
      to: ['a-very-long-local-part-for-an-address@help-desk.subsidiary.example.com'],
      cc: ['second@example.com', 'third@example.com'],
      transport: 'api+smtp',
      emailId: '1uLong-1',
      trackingId: 'trk-long',
      ticketId: 123456789,
      sentAt: new Date(SENT.getTime() + HOUR),
    });
    const run = await cli(path, ['replies']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines[0]).toBe('Newest first; times in Europe/Paris.');
    expect(lines[1]).toMatch(/^ {2}reply {2}sent {14}status {3}via {7}recipient +ticket$/);
    expect(lines[2]).toMatch(
      new RegExp(
        `^ +${long} {2}2026-11-24 12:00 {2}sent {5}api\\+smtp {2}a-very-long-local… \\(\\+2\\) {2}123456789$`,
      ),
    );
    expect(lines[2]).toHaveLength(80);
    // Same send time: the newer id first.
    expect(lines[3]).toMatch(
      new RegExp(`^ +${bounced} {2}2026-11-24 11:00 {2}bounced +api +ann@example\\.org \\(\\+2\\) +1002$`),
    );
    expect(lines[4]).toMatch(
      new RegExp(`^ +${opened} {2}2026-11-24 11:00 {2}opened +api +john@example\\.com +1001$`),
    );
    expect(lines).toHaveLength(5);
  });

  it('--recipient finds the reply any of whose addresses contains the text, any case', async () => {
    const { db, path } = store();
    deliveredAndOpened(db);
    const bounced = multiWithBounce(db);
    const run = await cli(path, ['replies', '--recipient', 'NOBODY@']);
    expect(run.stdout.split('\n').filter((line) => /^ +\d/.test(line))).toEqual([
      expect.stringMatching(new RegExp(`^ +${bounced} .* bounced `)),
    ]);
    const none = await cli(path, ['replies', '--recipient', 'zz%_']);
    expect(none).toMatchObject({ code: 0, stdout: 'No replies match.\n', stderr: '' });
  });

  it('control characters from outside (an address, an error) reach the terminal escaped', async () => {
    const { db, path } = store();
    const id = createReply(
      db,
      {
        ticketId: null,
        subject: 's',
        sender: 'h@example.com',
        trackingId: 'trk-esc',
        messageId: '<trk-esc@h>',
        recipients: [{ email: 'evil\u001b[2J@example.com', displayName: null, role: 'to' }],
      },
      SENT,
    ).id;
    finishReplySend(
      db,
      id,
      {
        transport: 'failed',
        outcome: 'failed',
        fallbackReason: null,
        lastError: 'smtp: 554 \u001b]0;owned\u0007 rejected\r\nX-Forged: 1',
        sentAt: null,
      },
      SENT,
    );
    const run = await cli(path, ['replies']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    // (addresses are stored in lower case)
    expect(run.stdout).toContain('evil\\u001b[2j@example.com');
    expect(run.stdout).toMatch(
      /Send problems\n +\d+ {2}failed: smtp: 554 \\u001b\]0;owned\\u0007 rejected\\r\\nX-Forged: 1\n/,
    );
  });

  it('a full page ends with the cursor of the next; following it lists the rest, then no cursor', async () => {
    const { db, path } = store();
    for (let i = 0; i < 5; i += 1)
      recordSend(db, {
        to: [`c${i}@example.com`],
        transport: 'api',
        emailId: `1uPage-${i}`,
        trackingId: `trk-page-${i}`,
        sentAt: new Date(SENT.getTime() + (i % 2) * HOUR),
      });
    const first = await cli(path, ['replies', '--limit', '3']);
    const cursor = /^Next page: --cursor (\S+)$/m.exec(first.stdout)?.[1];
    expect(cursor).toBeDefined();
    const second = await cli(path, ['replies', '--limit', '3', '--cursor', cursor!]);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('Next page');
    const rows = (text: string) =>
      text
        .split('\n')
        .filter((line) => /^ +\d/.test(line))
        .map((line) => line.trim().split(/\s+/)[0]);
    expect([...rows(first.stdout), ...rows(second.stdout)]).toEqual(['4', '2', '5', '3', '1']);
  });
});

describe('replies --json', () => {
  it('{version, replies, next_cursor}: items with the stats --reply --json names; the cursor pages on', async () => {
    const { db, path } = store();
    const opened = deliveredAndOpened(db);
    const bounced = multiWithBounce(db);
    const run = await cli(path, ['--json', 'replies', '--limit', '1']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as {
      version: number;
      replies: Array<Record<string, unknown>>;
      next_cursor: string | null;
    };
    expect(Object.keys(doc)).toEqual(['version', 'replies', 'next_cursor']);
    expect(doc.replies.map((r) => r.reply_id)).toEqual([bounced]);
    const stats = JSON.parse(
      (await cli(path, ['--json', 'stats', '--reply', String(bounced)])).stdout,
    ) as Record<string, unknown>;
    const { version: _v, clicks: _c, events: _e, ...summary } = stats;
    expect(doc.replies[0]).toEqual({ ...summary, listed_at: '2026-11-24T10:00:00.000Z' });
    expect(doc.next_cursor).toEqual(expect.any(String));
    const next = JSON.parse(
      (await cli(path, ['replies', '--json', '--limit', '1', '--cursor', doc.next_cursor!])).stdout,
    ) as typeof doc;
    expect(next.replies.map((r) => r.reply_id)).toEqual([opened]);
    expect(next.next_cursor).toBeNull();
  });

  it('a bad cursor is a usage error (exit 2), as JSON with --json', async () => {
    const { path } = store();
    const run = await cli(path, ['replies', '--json', '--cursor', 'bm90LWEtY3Vyc29y']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({
      version: 1,
      error: {
        code: 'usage',
        message: '--cursor "bm90LWEtY3Vyc29y" is not a cursor from `replies`',
        hint: expect.stringContaining('next_cursor'),
      },
    });
  });

  it.each([
    [['--limit', '0']],
    [['--limit', '1001']],
    [['--limit', 'ten']],
    [['--status', 'lost']],
    [['--transport', 'pigeon']],
    [['--ticket', '0']],
    [['--since', 'yesterday']],
    [['--until', '3 fortnights']],
    [['--recipient', ' ']],
    [['--cursor', '']],
  ])('%j exits 2 with one line', async (args) => {
    const { path } = store();
    const run = await cli(path, ['replies', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('issue 14: an ambiguous send is visible afterwards', () => {
  it('after an API timeout, stats --reply shows send_outcome ambiguous and last_error, and replies lists it as ambiguous', async () => {
    const api = await startFakeSmtp2go(['hang']);
    closers.push(api.close);
    const path = join(tempDir(), 'portal.db');
    const env = {
      SMTP2GO_ENABLED: 'true',
      SMTP2GO_API_KEY: 'api-ZYXWVUTSRQPONMLKJIHGFEDCBA987654',
      SMTP2GO_API_URL: api.url,
      SMTP2GO_SENDER: 'help@example.com',
    };
    const send = await cli(
      path,
      ['send-test', '--to', 'customer@example.com', '--no-fallback', '--timeout', '300', '--json'],
      env,
    );
    expect(send.code).toBe(1);
    const sent = JSON.parse(send.stdout) as { reply_id: number; outcome: string; last_error: string | null };
    expect(sent.outcome).toBe('ambiguous');

    const doc = JSON.parse(
      (await cli(path, ['stats', '--reply', String(sent.reply_id), '--json'])).stdout,
    ) as Record<string, unknown>;
    expect(doc).toMatchObject({
      status: 'pending',
      transport: 'api',
      send_outcome: 'ambiguous',
      last_error: expect.any(String),
    });
    expect(doc.last_error).toBe(sent.last_error);
    const human = await cli(path, ['stats', '--reply', String(sent.reply_id)]);
    expect(human.stdout).toMatch(/\n {2}send +ambiguous: SMTP2Go may or may not have accepted it/);
    // The error wraps under its label at 80 columns; joined again, it is the stored last_error, whole.
    expect(human.stdout.replace(/\n {19,}/g, ' ')).toContain(`send error        ${sent.last_error}`);
    expectFits(human.stdout, 80);

    const listed = await cli(path, ['replies']);
    expect(listed.stdout).toMatch(new RegExp(`\\n +${sent.reply_id} {2}\\S+ \\S+ {2}ambiguous {2}api `));
    expect(listed.stdout).toMatch(new RegExp(`Send problems\\n +${sent.reply_id} {2}ambiguous: `));
    const found = JSON.parse((await cli(path, ['replies', '--status', 'ambiguous', '--json'])).stdout) as {
      replies: Array<Record<string, unknown>>;
    };
    expect(found.replies).toMatchObject([
      { reply_id: sent.reply_id, status: 'pending', send_outcome: 'ambiguous', last_error: sent.last_error },
    ]);
  });

  it('a failed reply carries its last_error in stats --reply --json', async () => {
    const { db, path } = store();
    const id = recordSend(db, {
      to: ['x@example.com'],
      transport: 'failed',
      emailId: null,
      lastError: 'api: connection refused | smtp: 535 authentication failed',
    });
    const doc = JSON.parse((await cli(path, ['--json', 'stats', '--reply', String(id)])).stdout) as Record<
      string,
      unknown
    >;
    expect(doc).toMatchObject({
      status: 'failed',
      send_outcome: 'failed',
      last_error: 'api: connection refused | smtp: 535 authentication failed',
    });
  });
});

describe('issue 14: hints name `replies`', () => {
  it('an unknown reply, in stats --reply and webhook trigger, points to `replies` to list them', async () => {
    const { path } = store();
    const stats = await cli(path, ['stats', '--reply', '999']);
    expect(stats.code).toBe(1);
    expect(stats.stderr).toContain('list replies with `replies`');
    const trigger = await cli(path, ['webhook', 'trigger', 'open', '--reply', '999']);
    expect(trigger.code).toBe(1);
    expect(trigger.stderr).toContain('list replies with `replies`');
  });
});
