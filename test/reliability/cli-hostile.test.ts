import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { API_KEY } from '../helpers/constants.js';
import { runCliInProcess, type CliRun } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeSmtp2go, type FakeSmtp2go } from '../smtp2go/fake-smtp2go.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const STACK = /\bat .+:\d+:\d+\)?$/m;
const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** One clear line: a single stderr line (or one JSON error document), never a stack trace. */
function expectOneClearLine(run: CliRun, json = false): void {
  expect(run.stderr + run.stdout).not.toMatch(STACK);
  if (json) {
    expect(JSON.parse(run.stdout)).toMatchObject({
      version: 1,
      error: { code: expect.any(String), message: expect.any(String) },
    });
  } else {
    const lines = run.stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('warning:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .{10,}/);
  }
}

// Every command that opens the store, in a form that would otherwise run quickly and offline.
const COMMANDS: string[][] = [
  ['configure', '--show'],
  ['configure', '--sender', 'help@example.com'],
  ['send-test', '--to', 'a@example.com'],
  ['stats'],
  ['stats', '--reply', '1'],
  ['reconcile'],
  ['webhook', 'register', '--dry-run', '--public-url', 'https://portal.example.com'],
  ['webhook', 'unregister', '--yes'],
  ['webhook', 'serve', '--port', '0'],
  ['webhook', 'replay', '--from-store', '--dry-run'],
  ['webhook', 'trigger', 'open', '--demo'],
];

describe('CLI: every command against a store it cannot use exits 1 with one clear line and leaves the file alone', () => {
  const broken: Array<[string, (dir: string) => string]> = [
    [
      'a corrupt database file',
      (dir) => {
        const path = join(dir, 'corrupt.db');
        writeFileSync(path, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
        return path;
      },
    ],
    [
      'a database from a newer version (user_version 999)',
      (dir) => {
        const path = join(dir, 'newer.db');
        openStore(path).close();
        const db = new Database(path);
        db.pragma('user_version = 999');
        db.close();
        return path;
      },
    ],
    [
      'a --db path that is a folder',
      (dir) => {
        const path = join(dir, 'a-folder.db');
        mkdirSync(path);
        return path;
      },
    ],
    ['a --db folder that cannot be created (read-only /sys)', () => '/sys/smtp2go-portal-no/portal.db'],
  ];

  for (const [what, make] of broken) {
    it.each(COMMANDS)(`${what}: %s …`, async (...argv) => {
      const dbPath = make(tempDir());
      const before = existsSync(dbPath) && !dbPath.endsWith('a-folder.db') ? hash(dbPath) : null;
      const run = await runCliInProcess(['--db', dbPath, ...argv], { env: { CI: '1' } });
      expect(run.code).toBe(1);
      expectOneClearLine(run);
      expect(run.stderr).toMatch(/database|schema/);
      if (before !== null) expect(hash(dbPath)).toBe(before);
      const json = await runCliInProcess(['--db', dbPath, '--json', ...argv], { env: { CI: '1' } });
      expect(json.code).toBe(1);
      expectOneClearLine(json, true);
    });
  }

  it('doctor reports the broken store as failed checks (exit 1) instead of crashing', async () => {
    const dir = tempDir();
    const path = join(dir, 'corrupt.db');
    writeFileSync(
      path,
      'this is not a database, just text that is long enough to have a header...'.repeat(20),
    );
    const before = hash(path);
    const run = await runCliInProcess(['--db', path, '--json', 'doctor', '--timeout', '300'], {
      env: { CI: '1' },
    });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    expect(doc.ok).toBe(false);
    expect(doc.checks.find((check) => check.name === 'database')?.status).toBe('fail');
    expect(hash(path)).toBe(before);
  });
  it('round two #20: doctor on a damaged store (pages overwritten) reports database: fail with the path and the fix, not a bare SQLite error', async () => {
    const path = join(tempDir(), 'damaged.db');
    const env = { CI: '1', SMTP2GO_PORTAL_DB: path };
    expect(
      (await runCliInProcess(['configure', '--api-key', API_KEY, '--sender', 'help@example.com'], { env }))
        .code,
    ).toBe(0);
    for (let i = 0; i < 3; i += 1)
      expect((await runCliInProcess(['webhook', 'trigger', 'open', '--demo'], { env })).code).toBe(0);
    // Three pages in the middle of the file: the header still says SQLite, the b-trees behind it do not.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(3 * 4096, 0xa5), 0, 3 * 4096, 2 * 4096);
    closeSync(fd);
    const before = hash(path);
    const json = await runCliInProcess(['--json', 'doctor', '--timeout', '300'], { env });
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as {
      ok: boolean;
      checks: Array<{ name: string; status: string; message: string; fix: string | null }>;
    };
    expect(doc.checks.find((check) => check.name === 'database')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(path),
      fix: expect.stringMatching(/restore a backup/),
    });
    const human = await runCliInProcess(['doctor', '--timeout', '300'], { env });
    expect(human.code).toBe(1);
    // The message may wrap under itself; the fix is on its own line below it (issue 14 layout).
    expect(human.stdout).toMatch(
      /^FAIL database +\S*damaged\.db is damaged.*\n(?: {18}(?!→).*\n)* {18}→ restore a backup/m,
    );
    expect(human.stderr).not.toMatch(/^error:/m);
    expect(human.stdout + human.stderr).not.toMatch(STACK);
    expect(hash(path)).toBe(before);
  });
});

function snapshot(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return JSON.stringify({
      settings: db.prepare('SELECT slug, enabled, settings FROM integration_modules').all(),
      replies: db.prepare('SELECT COUNT(*) AS n FROM ticket_replies').get(),
      recipients: db.prepare('SELECT COUNT(*) AS n FROM reply_recipients').get(),
      attempts: db.prepare('SELECT COUNT(*) AS n FROM send_attempts').get(),
      events: db.prepare('SELECT COUNT(*) AS n FROM email_tracking_events').get(),
    });
  } finally {
    db.close();
  }
}

describe('CLI: hostile values exit 2 with one clear line, and nothing is stored or sent', () => {
  async function configured(): Promise<{ env: NodeJS.ProcessEnv; dbPath: string; api: FakeSmtp2go }> {
    const api = await startFakeSmtp2go([{ status: 200, fixture: 'send-ok.json' }]);
    closers.push(api.close);
    const dbPath = join(tempDir(), 'portal.db');
    const env = { CI: '1', SMTP2GO_PORTAL_DB: dbPath };
    const setup = await runCliInProcess(
      [
        'configure',
        '--api-key',
        API_KEY,
        '--enable',
        '--api-url',
        api.url,
        '--sender',
        'help@example.com',
        '--webhook-secret',
        'hostile-secret-0123456789',
        '--portal-url',
        'https://portal.example.com',
      ],
      { env },
    );
    expect(setup.code).toBe(0);
    return { env, dbPath, api };
  }

  const CRLF = 'a@example.com\r\nBcc: victim@example.org';
  const HOSTILE: string[][] = [
    ['send-test', '--to', CRLF],
    ['send-test', '--to', 'a@example.com', '--cc', CRLF],
    ['send-test', '--to', 'a@example.com', '--bcc', 'b@example.com\nX-Injected: 1'],
    ['send-test', '--to', 'a@example.com', '--from', 'help@example.com\r\nBcc: x@example.org'],
    ['send-test', '--to', 'a@example.com', '--reply-to', 'r@example.com\rX: y'],
    ['send-test', '--to', 'a@example.com', '--subject', 'Hello\r\nBcc: victim@example.org'],
    ['send-test', '--to', 'a@example.com', '--subject', 'tab\u0000nul'],
    ['send-test', '--to', 'not an address'],
    ['send-test', '--to', `${'x'.repeat(300)}@example.com`],
    ['send-test', '--to', Array.from({ length: 101 }, (_, i) => `r${i}@example.com`).join(', ')],
    ['send-test', '--to', 'a@example.com', '--timeout', '-5'],
    ['send-test', '--to', 'a@example.com', '--reply', '1; DROP TABLE ticket_replies'],
    ['send-test', '--to', 'a@example.com', '--transport', 'pigeon'],
    ['configure', '--sender', CRLF],
    ['configure', '--smtp-from', 'a@b.com\nBcc: c@d.com'],
    ['configure', '--smtp-host', 'mail.example.com\r\nX'],
    ['configure', '--portal-url', 'https://x.example.com/\r\nX: y'],
    ['configure', '--api-key', 'api-short'],
    ['configure', '--api-key', `api-${'A'.repeat(31)}\n`],
    ['configure', '--smtp-port', '70000'],
    ['configure', '--webhook-secret', 'short'],
    ['configure', '--api-url', 'javascript:alert(1)'],
    ['stats', '--reply', '1e3'],
    ['stats', '--reply', '-1'],
    ['stats', '--since', "'; DROP TABLE x; --"],
    ['reconcile', '--since', 'garbage'],
    ['reconcile', '--reply', 'x'],
    ['webhook', 'serve', '--port', '70000'],
    ['webhook', 'serve', '--path', 'nope'],
    ['webhook', 'serve', '--path', '/a\r\nInjected: b'],
    ['webhook', 'register', '--public-url', 'not a url', '--dry-run'],
    ['webhook', 'register', '--events', 'open,bogus', '--dry-run'],
    ['webhook', 'unregister'],
    ['webhook', 'trigger', 'bogus', '--demo'],
    ['webhook', 'trigger', 'open', '--demo', '--recipient', 'a@b.com\r\nInjected: y'],
    ['webhook', 'replay', '--file', '/nonexistent/events.json', '--dry-run'],
    ['completion', 'pwsh'],
    // Round two #21: times out of range or on days that do not exist, an empty --db, control characters in settings.
    ['stats', '--since', '200000000d'],
    ['stats', '--until', '200000000d'],
    ['reconcile', '--since', '200000000d'],
    ['webhook', 'replay', '--from-store', '--since', '200000000d', '--dry-run'],
    ['stats', '--since', '2026-02-30T10:00:00Z'],
    ['stats', '--since', '2026-02-29'],
    ['stats', '--until', '2026-04-31'],
    ['reconcile', '--since', '2026-13-01'],
    ['stats', '--since', '2026-01-01T24:00:00Z'],
    ['stats', '--since', '2026-01-01T10:60:00+01:00'],
    ['stats', '--since', '2026-01-01T10:00:00+24:00'],
    ['--db', '', 'stats'],
    ['--db', '', 'configure', '--show'],
    ['configure', '--smtp-user', 'user\u001b[2J'],
    ['configure', '--smtp-password', 'pass\u009bword'],
    // Missing values and arguments.
    ['send-test'],
    ['send-test', '--to'],
    ['configure', '--api-key'],
    ['stats', '--reply'],
    ['reconcile', '--since'],
    ['webhook', 'trigger'],
    ['webhook', 'serve', '--port'],
    ['webhook', 'replay'],
    ['completion'],
    ['no-such-command'],
  ];

  const label = (argv: string[]) =>
    argv
      .join(' ')
      .replace(/\s+/g, ' ')
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      .slice(0, 90);
  it.each(HOSTILE.map((argv) => [label(argv), argv] as const))('%s', async (_label, argv) => {
    const { env, dbPath, api } = await configured();
    const before = snapshot(dbPath);
    const run = await runCliInProcess(argv, { env });
    expect(run.code).toBe(2);
    expectOneClearLine(run);
    expect(snapshot(dbPath)).toBe(before);
    expect(api.requests).toHaveLength(0);
    const json = await runCliInProcess([...argv, '--json'], { env });
    expect(json.code).toBe(2);
    expectOneClearLine(json, true);
    expect(snapshot(dbPath)).toBe(before);
  });

  it('round two #21: --db ending in a separator is a usage error naming the file to give; nothing is created', async () => {
    const dir = tempDir();
    for (const db of [join(dir, 'newdir') + '/', `${dir}/`]) {
      const run = await runCliInProcess(['--db', db, 'stats'], { env: { CI: '1' } });
      expect(run.code).toBe(2);
      expectOneClearLine(run);
      expect(run.stderr).toMatch(/--db .* ends in "\/", so it names a folder.*portal\.db/);
    }
    expect(existsSync(join(dir, 'newdir'))).toBe(false);
    const env = await runCliInProcess(['stats'], {
      env: { CI: '1', SMTP2GO_PORTAL_DB: join(dir, 'newdir') + '/' },
    });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/SMTP2GO_PORTAL_DB .* ends in "\/"/);
    expect(existsSync(join(dir, 'newdir'))).toBe(false);
  });

  it('a 100,000-character subject is not an error: it reaches SMTP2Go whole and the reply is stored once', async () => {
    const { env, dbPath, api } = await configured();
    const subject = 'S'.repeat(100_000);
    const run = await runCliInProcess(
      ['send-test', '--to', 'a@example.com', '--subject', subject, '--json'],
      { env },
    );
    expect(run.code).toBe(0);
    expect((api.requests[0]?.body as { subject?: string }).subject).toBe(subject);
    expect(run.stdout + run.stderr).not.toContain(subject.slice(0, 1000));
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n, MAX(LENGTH(subject)) AS len FROM ticket_replies').get()).toEqual(
      { n: 1, len: 100_000 },
    );
    db.close();
  });

  it('counts', () => {
    report('cli-hostile', { commandsTimesBrokenStores: COMMANDS.length * 4, hostileValues: HOSTILE.length });
  });
});
