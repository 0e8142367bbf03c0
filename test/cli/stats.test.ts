import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { matchStatsReply, tryStatsReplyFast } from '../../src/cli/commands/stats/reply-fast.js';
import { type Store } from '../../src/store/open-store.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { useTempStores } from '../helpers/temp-store.js';
import {
  after,
  deliveredAndOpened,
  duplicatesOutOfOrder,
  fromFixture,
  HOUR,
  multiWithBounce,
  post,
  recordSend,
  relaySent,
  SEC,
  SENT,
} from '../operations/stats-stores.js';

const tempDir = useTempDir();
const openTempStore = useTempStores();
function store(): { db: Store; path: string } {
  const db = openTempStore();
  return { db, path: db.name };
}

const NOW = new Date(SENT.getTime() + 30 * HOUR);
const cli = (path: string, args: string[], env: NodeJS.ProcessEnv = {}, columns?: number) =>
  runCliInProcess(['--db', path, ...args], {
    env: { CI: '1', TZ: 'Europe/Paris', ...env },
    now: () => NOW,
    ...(columns === undefined ? {} : { columns }),
  });
const json = async (path: string, args: string[]) => {
  const run = await cli(path, ['--json', ...args]);
  expect(run.stderr).toBe('');
  return { code: run.code, doc: JSON.parse(run.stdout) as Record<string, unknown> };
};

describe('stats --reply', () => {
  it('JSON: the issue 6 shape, field by field and in order', async () => {
    const { db, path } = store();
    const id = deliveredAndOpened(db);
    const { code, doc } = await json(path, ['stats', '--reply', String(id)]);
    expect(code).toBe(0);
    expect(Object.keys(doc)).toEqual([
      'version',
      'reply_id',
      'ticket_id',
      'tracking_id',
      'smtp2go_email_id',
      'message_id',
      'transport',
      'tracker',
      'status',
      'send_outcome',
      'last_error',
      'sent_at',
      'processed_at',
      'delivered_at',
      'opened_at',
      'open_count',
      'clicked_at',
      'click_count',
      'human_opened_at',
      'machine_open_count',
      'machine_click_count',
      'clicks',
      'bounced_at',
      'bounce_type',
      'bounce_reason',
      'spam_at',
      'rejected_at',
      'unsubscribed_at',
      'has_tracking',
      'recipients',
      'events',
    ]);
    expect(doc).toEqual({
      version: 1,
      reply_id: id,
      ticket_id: 1001,
      tracking_id: `trk-john-${SENT.getTime()}`,
      smtp2go_email_id: '1uOpen-0001',
      message_id: `<trk-john-${SENT.getTime()}@portal.example.com>`,
      transport: 'api',
      tracker: 'none',
      status: 'opened',
      send_outcome: 'sent',
      last_error: null,
      sent_at: '2026-11-24T10:00:00.000Z',
      processed_at: '2026-11-24T10:00:02.000Z',
      delivered_at: '2026-11-24T10:00:05.000Z',
      opened_at: '2026-11-24T12:00:00.000Z',
      open_count: 2,
      clicked_at: null,
      click_count: 0,
      human_opened_at: null,
      machine_open_count: 0,
      machine_click_count: 0,
      clicks: [],
      bounced_at: null,
      bounce_type: null,
      bounce_reason: null,
      spam_at: null,
      rejected_at: null,
      unsubscribed_at: null,
      has_tracking: true,
      recipients: [
        {
          email: 'john@example.com',
          role: 'to',
          status: 'opened',
          delivered_at: '2026-11-24T10:00:05.000Z',
          opened_at: '2026-11-24T12:00:00.000Z',
          open_count: 2,
          clicked_at: null,
          click_count: 0,
          bounced_at: null,
          bounce_type: null,
          spam_at: null,
          rejected_at: null,
          unsubscribed_at: null,
          last_event_at: '2026-11-24T13:00:00.000Z',
          last_event_type: 'open',
          tracker: 'none',
          human_opened_at: null,
          machine_open_count: 0,
          machine_click_count: 0,
        },
      ],
      events: [
        {
          type: 'processed',
          at: '2026-11-24T10:00:02.000Z',
          recipient: null,
          url: null,
          detail: null,
          received_at: '2026-11-24T16:00:00.000Z',
          source: 'webhook',
          ip: '146.70.170.30',
        },
        {
          type: 'delivered',
          at: '2026-11-24T10:00:05.000Z',
          recipient: 'john@example.com',
          url: null,
          detail: '250 2.0.0 Ok: 2780 bytes queued as 4fg32Y2xRcz3T',
          received_at: '2026-11-24T16:00:00.000Z',
          source: 'webhook',
        },
        {
          type: 'open',
          at: '2026-11-24T12:00:00.000Z',
          recipient: 'john@example.com',
          url: null,
          detail: null,
          received_at: '2026-11-24T16:00:00.000Z',
          source: 'webhook',
          ip: '192.0.2.44',
        },
        {
          type: 'open',
          at: '2026-11-24T13:00:00.000Z',
          recipient: 'john@example.com',
          url: null,
          detail: null,
          received_at: '2026-11-24T16:00:00.000Z',
          source: 'webhook',
          ip: '192.0.2.44',
        },
      ],
    });
  });

  it('human: local times with the zone named, relative to the send, recipients and timeline', async () => {
    const { db, path } = store();
    const id = deliveredAndOpened(db);
    const run = await cli(path, ['stats', '--reply', String(id)], {}, 120);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const out = run.stdout;
    expect(out).toContain(`Reply ${id} (ticket 1001): Re: your printer`);
    expect(out).toContain('Times in Europe/Paris.');
    expect(out).toMatch(/status\s+opened\n/);
    expect(out).toMatch(/sent\s+2026-11-24 11:00:00 \+01:00\n/);
    expect(out).toMatch(/delivered\s+2026-11-24 11:00:05 \+01:00 \(5 s after sending\)/);
    expect(out).toMatch(/first opened\s+2026-11-24 13:00:00 \+01:00 \(2 h after sending\)/);
    expect(out).toMatch(/opens\s+2\n/);
    expect(out).toMatch(
      /Recipients \(times after sending\)\n.*\n\s+john@example\.com\s+to\s+opened\s+5 s\s+2 h\s+2\s+0/,
    );
    expect(out).toContain('Timeline (oldest first; after sending at 2026-11-24 11:00:00 +01:00)');
    const timeline = out.slice(out.indexOf('Timeline'));
    expect(timeline.indexOf('processed')).toBeLessThan(timeline.indexOf('delivered'));
    expect(timeline).toMatch(/\n\s+14:00:00\s+3 h\s+open\s+john@example\.com/);
    expect(out).not.toContain('Clicks');
  });

  it('a multi-recipient reply with a bounce, in both outputs', async () => {
    const { db, path } = store();
    const id = multiWithBounce(db);
    const run = await cli(path, ['stats', '--reply', String(id)], {}, 120);
    expect(run.stdout).toMatch(/status\s+bounced: delivered to 2 of 3, bounced 1\n/);
    expect(run.stdout).toMatch(
      /bounced\s+2026-11-24 11:00:07 \+01:00 \(7 s after sending\) — hard: RCPT TO:<nobody@nonexistent\.test>: 550 5\.1\.1\n\s+no such user/,
    );
    expect(run.stdout).toMatch(/nobody@nonexistent\.test\s+cc\s+bounced/);
    expect(run.stdout).toMatch(/bounce\s+nobody@nonexistent\.test\s+hard — RCPT TO/);
    const { doc } = await json(path, ['stats', '--reply', String(id)]);
    expect(doc).toMatchObject({
      status: 'bounced',
      bounce_type: 'hard',
      bounce_reason: 'RCPT TO:<nobody@nonexistent.test>: 550 5.1.1 no such user',
    });
    expect((doc.recipients as Array<{ status: string }>).map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
      'bounced',
    ]);
  });

  it('recipients all in the same state: the status once, with how many', async () => {
    const { db, path } = store();
    const id = recordSend(db, {
      to: ['a@example.com', 'b@example.com'],
      transport: 'api',
      emailId: '1uSame-0007',
    });
    for (const rcpt of ['a@example.com', 'b@example.com'])
      post(db, fromFixture('delivered.live.json', { email_id: '1uSame-0007', rcpt, time: after(3 * SEC) }));
    const run = await cli(path, ['stats', '--reply', String(id)]);
    expect(run.stdout).toMatch(/status\s+delivered \(all 2\)\n/);
  });

  it('duplicates and out-of-order events: counted once; clicks listed with URL, time and recipient', async () => {
    const { db, path } = store();
    const { id } = duplicatesOutOfOrder(db);
    const run = await cli(path, ['stats', '--reply', String(id)]);
    expect(run.stdout).toMatch(/opens\s+2\n/);
    expect(run.stdout).toMatch(/clicks\s+1\n/);
    expect(run.stdout).toMatch(
      /Clicks \(times after sending\)\n\s+url\s+after\s+recipient\n\s+https:\/\/help\.example\.com\/kb\/42\s+3 h\s+kim@example\.com/,
    );
    const { doc } = await json(path, ['stats', '--reply', String(id)]);
    expect(doc).toMatchObject({
      open_count: 2,
      click_count: 1,
      clicks: [
        { url: 'https://help.example.com/kb/42', clicked_at: after(3 * HOUR), recipient: 'kim@example.com' },
      ],
    });
    expect((doc.events as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'processed',
      'delivered',
      'open',
      'click',
      'open',
    ]);
  });

  it('a relay-sent reply names the transport and why', async () => {
    const { db, path } = store();
    const id = relaySent(db);
    const run = await cli(path, ['stats', '--reply', String(id)]);
    expect(run.stdout).toMatch(
      /transport\s+smtp \(relay because: rejected: SMTP2Go refused the email\n\s+\(HTTP 200, failed: 1\)\)/,
    );
    expect(run.stdout).toMatch(/SMTP2Go email id\s+—/);
    const { doc } = await json(path, ['stats', '--reply', String(id)]);
    expect(doc).toMatchObject({
      transport: 'smtp',
      smtp2go_email_id: null,
      status: 'delivered',
      delivered_at: after(8 * SEC),
    });
  });

  it('an unknown reply: exit 1, "reply 999 not found", as JSON with --json', async () => {
    const { path } = store();
    const human = await cli(path, ['stats', '--reply', '999']);
    expect(human).toMatchObject({ code: 1, stdout: '' });
    expect(human.stderr).toMatch(/^error: reply 999 not found \(/);
    const run = await cli(path, ['--json', 'stats', '--reply', '999']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({
      version: 1,
      error: { code: 'not_found', message: 'reply 999 not found', hint: expect.any(String) },
    });
  });

  it('the fast path and the commander path print the same thing', async () => {
    const { db, path } = store();
    const id = String(multiWithBounce(db));
    // A repeated flag is fine for commander but outside what the fast path serves.
    expect(matchStatsReply(['--db', path, '--json', 'stats', '--reply', id, '--json'])).toBeNull();
    const fast = await cli(path, ['--json', 'stats', '--reply', id]);
    const full = await cli(path, ['--json', 'stats', '--reply', id, '--json']);
    expect(full).toEqual(fast);
    const fastHuman = await runCliInProcess(['stats', '--reply', id], {
      env: { CI: '1', TZ: 'UTC', SMTP2GO_PORTAL_DB: path },
    });
    const fullHuman = await runCliInProcess(['stats', '--reply', id, '--db', path, '--db', path], {
      env: { CI: '1', TZ: 'UTC' },
    });
    expect(fullHuman).toEqual(fastHuman);
    expect(fastHuman.stdout).toContain('delivered to 2 of 3, bounced 1');
  });

  it('the fast path answers a known reply and leaves everything else, errors included, to the full CLI', async () => {
    const { db, path } = store();
    const id = String(deliveredAndOpened(db));
    const io = () => {
      const stdout = new PassThrough();
      let text = '';
      stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      return {
        io: {
          stdin: new PassThrough(),
          stdout,
          stderr: new PassThrough(),
          env: { CI: '1' },
          cwd: tempDir(),
          now: () => NOW,
        },
        text: () => text,
      };
    };
    const hit = io();
    expect(await tryStatsReplyFast(['--db', path, '--json', 'stats', '--reply', id], hit.io)).toBe(true);
    expect(JSON.parse(hit.text())).toMatchObject({ version: 1, reply_id: Number(id), status: 'opened' });
    for (const args of [
      ['--db', path, 'stats', '--reply', '999'],
      ['--db', path, 'stats'],
      ['--db', join(path, 'not-a-dir', 'x.db'), 'stats', '--reply', id],
    ]) {
      const miss = io();
      expect(await tryStatsReplyFast(args, miss.io)).toBe(false);
      expect(miss.text()).toBe('');
    }
  });

  it('matchStatsReply serves exactly [--db] [--json] stats --reply <id>', () => {
    expect(matchStatsReply(['stats', '--reply', '12'])).toEqual({ replyId: 12, db: undefined, json: false });
    expect(matchStatsReply(['--json', '--db=/x.db', 'stats', '--reply=3'])).toEqual({
      replyId: 3,
      db: '/x.db',
      json: true,
    });
    expect(matchStatsReply(['stats', '--db', 'stats', '--reply', '5', '--json'])).toEqual({
      replyId: 5,
      db: 'stats',
      json: true,
    });
    for (const args of [
      ['stats'],
      ['stats', '--reply'],
      ['stats', '--reply', '0'],
      ['stats', '--reply', '01'],
      ['stats', '--reply', 'x'],
      ['--reply', '1', 'stats'],
      ['stats', '--reply', '1', '--by', 'day'],
      ['stats', '--reply', '1', '--help'],
      ['stats', 'stats', '--reply', '1'],
      ['--db', '--json', 'stats', '--reply', '1'],
      ['stats', '--reply', '1', '--reply', '2'],
      ['stats', '--reply', '99999999999999999999'],
      ['--version'],
    ])
      expect(matchStatsReply(args), args.join(' ')).toBeNull();
  });
});

describe('stats (summary)', () => {
  it('an empty store: n/a rates with denominators, nothing unlinked', async () => {
    const { path } = store();
    const run = await cli(path, ['stats']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Replies sent from the first reply to now\nTimes in Europe/Paris.');
    expect(run.stdout).toMatch(/recipients delivered\s+0\s+n\/a \(none sent\)/);
    expect(run.stdout).toMatch(/send → delivered\s+n\/a \(none yet\)/);
    expect(run.stdout).toContain('Unlinked events (no reply matched yet, not counted above): 0');
    expect(run.stdout).toContain('No reply was sent in this window.');
    const { doc } = await json(path, ['stats']);
    expect(doc).toMatchObject({
      version: 1,
      since: null,
      until: null,
      by: 'none',
      time_zone: 'Europe/Paris',
      groups: [],
      unlinked: { total: 0, by_type: {} },
    });
    expect((doc.total as { rates: Record<string, unknown> }).rates.delivered).toEqual({
      count: 0,
      of: 0,
      rate: null,
    });
  });

  it('an unlinked event is counted apart, then joins its reply once the send records the email id', async () => {
    const { db, path } = store();
    post(
      db,
      fromFixture('delivered.live.json', {
        email_id: '1uLate-0009',
        rcpt: 'pat@example.com',
        time: after(3 * SEC),
      }),
    );
    let run = await cli(path, ['stats']);
    expect(run.stdout).toContain(
      'Unlinked events (no reply matched yet, not counted above): 1 (delivered 1)',
    );
    const id = recordSend(db, { to: ['pat@example.com'], transport: 'api', emailId: '1uLate-0009' });
    run = await cli(path, ['stats']);
    expect(run.stdout).toContain('Unlinked events (no reply matched yet, not counted above): 0');
    expect(run.stdout).toMatch(/recipients delivered\s+1\s+100\.0% of 1 sent/);
    const { doc } = await json(path, ['stats', '--reply', String(id)]);
    expect(doc).toMatchObject({ status: 'delivered', delivered_at: after(3 * SEC), has_tracking: true });
  });

  it('figures, rates and latencies over every scenario, with --by breakdowns', async () => {
    const { db, path } = store();
    deliveredAndOpened(db);
    multiWithBounce(db);
    duplicatesOutOfOrder(db);
    relaySent(db);
    const run = await cli(path, ['stats', '--since', '48h']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Replies sent from 2026-11-23 17:00:00 +01:00 to now');
    expect(run.stdout).toMatch(/replies\s+4\n\s+replies sent\s+4\s+100\.0% of 4 replies/);
    expect(run.stdout).toMatch(/recipients delivered\s+5\s+83\.3% of 6 sent/);
    expect(run.stdout).toMatch(
      /recipients bounced\s+1\s+16\.7% of 6 sent\n\s+hard \/ soft \/ unknown\s+1 \/ 0 \/ 0/,
    );
    expect(run.stdout).toMatch(/replies relayed \(API failed\)\s+1\s+25\.0% of 4 that tried the API/);
    expect(run.stdout).toMatch(/send → delivered\s+p50 6 s, p95 9 s \(of 5 recipients\)/);
    expect(run.stdout).toMatch(/send → first open\s+p50 2 h, p95 2 h \(of 2 recipients\)/);
    const byTransport = await cli(path, ['stats', '--by', 'transport']);
    expect(byTransport.stdout).toMatch(/By transport\n\s+transport\s+replies\s+rcpts sent\s+delivered/);
    expect(byTransport.stdout).toMatch(/\n\s+api\s+3\s+5\s+80\.0%/);
    expect(byTransport.stdout).toMatch(/\n\s+smtp\s+1\s+1\s+100\.0%/);
    const { doc } = await json(path, ['stats', '--by', 'domain']);
    expect(
      (doc.groups as Array<{ key: string; recipients: number }>).map((g) => [g.key, g.recipients]),
    ).toEqual([
      ['example.com', 3],
      ['example.net', 1],
      ['example.org', 1],
      ['nonexistent.test', 1],
    ]);
    const day = await json(path, ['stats', '--by', 'day']);
    expect(
      (day.doc.groups as Array<{ key: string; replies: number }>).map((g) => [g.key, g.replies]),
    ).toEqual([['2026-11-24', 4]]);
  });

  it('bad windows are usage errors naming the flag', async () => {
    const { path } = store();
    expect(await cli(path, ['stats', '--since', 'yesterday'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--since "yesterday" is not a time/),
    });
    expect(await cli(path, ['stats', '--until', 'soon'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--until "soon" is not a time/),
    });
    const run = await cli(path, ['--json', 'stats', '--since', '1d', '--until', '2d']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      version: 1,
      error: { code: 'usage', message: expect.stringMatching(/is not before --until/) },
    });
  });
});
