import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Store } from '../../src/store/open-store.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { useTempStores } from '../helpers/temp-store.js';
import {
  DAY,
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
const cli = (
  path: string,
  args: string[],
  options: { columns?: number; tty?: boolean; env?: NodeJS.ProcessEnv } = {},
) =>
  runCliInProcess(['--db', path, ...args], {
    env: { CI: '1', TZ: 'Europe/Paris', ...options.env },
    now: () => NOW,
    ...(options.columns === undefined ? {} : { columns: options.columns }),
    ...(options.tty === undefined ? {} : { tty: options.tty }),
  });

/** Every scenario, plus what makes lines long: a long subject in Japanese, long addresses, a long URL and bounce text. */
function richStore(): { path: string; long: number } {
  const { db, path } = store();
  deliveredAndOpened(db);
  multiWithBounce(db);
  duplicatesOutOfOrder(db);
  relaySent(db);
  const long = recordSend(db, {
    to: ['a.very.long.customer.name.with.dots@subdomain.customer-company.example.com'],
    cc: ['二人目のお客様@example.jp'],
    transport: 'api',
    emailId: '1uLong-0005',
    subject:
      'Re: プリンターが動きません — the networked printer on floor 3 stopped printing after the update',
    sentAt: new Date(SENT.getTime() + 2 * DAY),
  });
  const at = (ms: number) => new Date(SENT.getTime() + 2 * DAY + ms).toISOString();
  const rcpt = 'a.very.long.customer.name.with.dots@subdomain.customer-company.example.com';
  post(
    db,
    fromFixture('processed.live.json', {
      email_id: '1uLong-0005',
      recipients: [rcpt, '二人目のお客様@example.jp'],
      time: at(SEC),
    }),
  );
  post(db, fromFixture('delivered.live.json', { email_id: '1uLong-0005', rcpt, time: at(3 * SEC) }));
  post(db, fromFixture('open.docs.json', { email_id: '1uLong-0005', rcpt, time: at(40 * 60 * SEC) }));
  post(
    db,
    fromFixture('open.docs.json', {
      event: 'click',
      email_id: '1uLong-0005',
      rcpt,
      time: at(3 * DAY),
      url: 'https://help.example.com/knowledge-base/printers/networked/floor-3/reset-the-print-spooler-after-an-update?utm_source=portal',
    }),
  );
  post(
    db,
    fromFixture('bounce-soft.constructed.json', {
      email_id: '1uLong-0005',
      rcpt: '二人目のお客様@example.jp',
      time: at(9 * SEC),
      message:
        '452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.example.jp/quota',
    }),
  );
  return { path, long };
}

describe('stats at 80 and 120 columns', () => {
  it('issue 14: the summary, every --by breakdown and --reply fit 80 and 120 columns', async () => {
    const { path, long } = richStore();
    for (const columns of [80, 120]) {
      for (const args of [
        ['stats'],
        ['stats', '--by', 'day'],
        ['stats', '--by', 'transport'],
        ['stats', '--by', 'domain'],
        ['stats', '--reply', String(long)],
        ['stats', '--reply', '2'],
        ['stats', '--reply', '3'],
      ]) {
        for (const tty of [false, true]) {
          const run = await cli(path, args, { columns, tty });
          expect(run.code, args.join(' ')).toBe(0);
          expectFits(run.stdout, columns);
        }
      }
    }
  });

  it('issue 14: a width the terminal does not report is laid out for 80 columns', async () => {
    const { path, long } = richStore();
    for (const args of [
      ['stats', '--by', 'day'],
      ['stats', '--reply', String(long)],
    ])
      expectFits((await cli(path, args)).stdout, 80);
  });

  it('issue 14: columns that do not fit are dropped with a note naming them; a wider terminal shows them', async () => {
    const { path } = richStore();
    const narrow = (await cli(path, ['stats', '--by', 'domain'], { columns: 80 })).stdout;
    const wide = (await cli(path, ['stats', '--by', 'domain'], { columns: 120 })).stdout;
    const header = (text: string) =>
      (text.split('\n').find((line) => /domain\s+replies/.test(line)) ?? '').trim().split(/\s{2,}/);
    expect(narrow).toMatch(/Not shown at 80 columns: [^\n]*clicked/);
    expect(header(narrow)).not.toContain('clicked');
    expect(header(wide)).toContain('clicked');
    expect(header(wide).length).toBeGreaterThan(header(narrow).length);
  });
});

describe('stats wording', () => {
  it('issue 14: every figure says whether it counts replies or recipients', async () => {
    const { db, path } = store();
    deliveredAndOpened(db);
    multiWithBounce(db);
    duplicatesOutOfOrder(db);
    relaySent(db);
    const out = (await cli(path, ['stats', '--since', '48h'])).stdout;
    const table = out.split('\n').filter((line) => /^ {2}\S/.test(line));
    expect(table.length).toBeGreaterThan(10);
    for (const line of table)
      expect(line).toMatch(/^ {2}(replies|recipients|send →|hard \/ soft \/ unknown)/);
    expect(out).toMatch(/replies sent\s+4\s+100\.0% of 4 replies/);
    expect(out).toMatch(/recipients sent\s+6/);
    expect(out).toMatch(/recipients delivered\s+5\s+83\.3% of 6 sent/);
    expect(out).toMatch(/replies relayed \(API failed\)\s+1\s+25\.0% of 4 that tried the API/);
    expect(out).toMatch(/recipients bounced\s+1\s+16\.7% of 6 sent/);
    expect(out).toMatch(/hard \/ soft \/ unknown\s+1 \/ 0 \/ 0/);
    expect(out).not.toMatch(/^ {2}sent\s/m);
  });

  it('issue 14: no fallback-to-relay figure when the relay is the only transport', async () => {
    const { db, path } = store();
    for (const rcpt of ['a@example.com', 'b@example.com']) {
      recordSend(db, {
        to: [rcpt],
        transport: 'smtp',
        fallbackReason: 'the SMTP2Go module is disabled',
        apiTried: false,
      });
    }
    const out = (await cli(path, ['stats'])).stdout;
    expect(out).toMatch(/replies sent\s+2/);
    expect(out).not.toMatch(/relay/i);
    const doc = JSON.parse((await cli(path, ['--json', 'stats'])).stdout) as {
      total: { replies_relayed: number; replies_api_tried: number; rates: Record<string, unknown> };
    };
    expect(doc.total).toMatchObject({ replies_relayed: 0, replies_api_tried: 0 });
    expect(doc.total.rates.fallback_to_relay).toEqual({ count: 0, of: 0, rate: null });
  });

  it('issue 14: a demo reply (nothing was sent) is not counted as a sent reply', async () => {
    const path = join(tempDir(), 'demo.db');
    const env = { CI: '1', TZ: 'UTC' };
    for (const event of [
      ['processed', '--demo'],
      ['delivered', '--reply', '1'],
    ]) {
      expect((await runCliInProcess(['--db', path, 'webhook', 'trigger', ...event], { env })).code).toBe(0);
    }
    const doc = JSON.parse((await runCliInProcess(['--db', path, '--json', 'stats'], { env })).stdout) as {
      total: Record<string, unknown>;
    };
    expect(doc.total).toMatchObject({ replies: 1, replies_sent: 0, delivered: 1 });
    expect((await runCliInProcess(['--db', path, 'stats'], { env })).stdout).toMatch(
      /replies sent\s+0\s+0\.0% of 1 replies/,
    );
  });
});

describe('stats pictures', () => {
  function threeDays(): string {
    const { db, path } = store();
    const day = (n: number, count: number) => {
      for (let i = 0; i < count; i += 1)
        recordSend(db, {
          to: [`d${n}-${i}@example.com`],
          transport: 'api',
          emailId: `E-${n}-${i}`,
          sentAt: new Date(SENT.getTime() + n * DAY + i * SEC),
        });
    };
    day(0, 4);
    day(1, 1);
    day(2, 2);
    return path;
  }

  it('issue 14: --by day draws a bar per day, in plain characters when not a terminal', async () => {
    const path = threeDays();
    const plain = (await cli(path, ['stats', '--by', 'day'], { columns: 80 })).stdout;
    const bars = ['2026-11-24', '2026-11-25', '2026-11-26'].map(
      (key) => /#+/.exec(plain.split('\n').find((line) => line.includes(`  ${key}`)) ?? '')?.[0].length ?? 0,
    );
    expect(bars[0]).toBeGreaterThan(bars[2] as number);
    expect(bars[2]).toBeGreaterThan(bars[1] as number);
    expect(bars[1]).toBeGreaterThan(0);
    expect(plain).not.toMatch(/[█▏▎▍▌▋▊▉]/);
    const fancy = (await cli(path, ['stats', '--by', 'day'], { columns: 80, tty: true })).stdout;
    expect(fancy).toMatch(/█/);
    const noColor = (
      await cli(path, ['stats', '--by', 'day'], { columns: 80, tty: true, env: { NO_COLOR: '1' } })
    ).stdout;
    expect(noColor).not.toMatch(/[█▏▎▍▌▋▊▉]/);
    expect(noColor).toMatch(/#/);
  });

  it("issue 14: a reply's timeline is drawn on a time axis after sending", async () => {
    const { db, path } = store();
    const id = duplicatesOutOfOrder(db).id;
    const plain = (await cli(path, ['stats', '--reply', String(id)], { columns: 80 })).stdout;
    const axis = plain.split('\n').findIndex((line) => /^ {2}sent [-+|PDOC]+$/.test(line));
    expect(axis, plain).toBeGreaterThan(0);
    const line = plain.split('\n')[axis] as string;
    // processed 1 s, delivered 6 s, open 2 h, click 3 h, open 26 h: in order along the axis.
    expect(line.indexOf('P')).toBeLessThan(line.indexOf('D'));
    expect(line.indexOf('D')).toBeLessThan(line.indexOf('O'));
    expect(line.indexOf('O')).toBeLessThan(line.indexOf('C'));
    expect(line.lastIndexOf('O')).toBeGreaterThan(line.indexOf('C'));
    expect(plain.split('\n')[axis + 1]).toMatch(/1 min.*1 h.*1 d/);
    expect(plain).toMatch(/P processed · D delivered · O open · C click/);
    const fancy = (await cli(path, ['stats', '--reply', String(id)], { columns: 80, tty: true })).stdout;
    expect(fancy).toMatch(/─/);
    expectFits(fancy, 80);
  });
});
