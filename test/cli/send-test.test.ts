import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { API_KEY } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay, type FakeRelay } from '../mail/fake-relay.js';
import { startFakeSmtp2go, type FakeSmtp2go, type Reply } from '../smtp2go/fake-smtp2go.js';

const tempDir = useTempDir();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function peers(
  script: Reply[],
  relayOptions: Parameters<typeof startFakeRelay>[0] = {},
): Promise<{ api: FakeSmtp2go; relay: FakeRelay; env: NodeJS.ProcessEnv }> {
  const api = await startFakeSmtp2go(script);
  const relay = await startFakeRelay(relayOptions);
  closers.push(api.close, relay.close);
  const env = {
    CI: '1',
    SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'),
    SMTP2GO_ENABLED: 'true',
    SMTP2GO_API_KEY: API_KEY,
    SMTP2GO_API_URL: api.url,
    SMTP2GO_SENDER: 'help@example.com',
    SMTP_HOST: relay.host,
    SMTP_PORT: String(relay.port),
  };
  return { api, relay, env };
}

describe('send-test argv', () => {
  it.each([
    [
      [
        'send-test',
        '--to',
        'a@example.com',
        'b@example.com',
        '--cc',
        'c@example.com',
        '--transport',
        'smtp',
        '--no-fallback',
        '--timeout',
        '500',
        '--reply',
        '7',
      ],
      {
        to: ['a@example.com', 'b@example.com'],
        cc: ['c@example.com'],
        bcc: [],
        transport: 'smtp',
        fallback: false,
        timeoutMs: 500,
        replyId: 7,
      },
    ],
    [
      [
        'send-test',
        '--to',
        'a@example.com',
        '--to',
        'b@example.com',
        '--fallback-on-timeout',
        '--ticket',
        '3',
      ],
      {
        to: ['a@example.com', 'b@example.com'],
        transport: 'auto',
        fallback: true,
        fallbackOnTimeout: true,
        ticketId: 3,
      },
    ],
  ])('%j', async (argv, expected) => {
    const seen: unknown[] = [];
    const run = await runCliInProcess(argv, {
      env: { CI: '1', SMTP2GO_PORTAL_DB: '/nonexistent/x.db' },
      onParsed: (_c, o) => (seen.push(o), true),
    });
    expect(run.code).toBe(0);
    expect(seen[0]).toMatchObject(expected);
  });

  it.each([
    [['send-test', '--to', 'a@example.com', '--transport', 'pigeon']],
    [['send-test', '--to', 'a@example.com', '--reply', 'abc']],
    [['send-test', '--to', 'a@example.com', '--timeout', '0']],
  ])('%j is exit 2', async (argv) => {
    const run = await runCliInProcess(argv, {
      env: { CI: '1', SMTP2GO_PORTAL_DB: '/nonexistent/x.db' },
      onParsed: () => true,
    });
    expect(run.code).toBe(2);
  });
});

describe('send-test command', () => {
  it('--json: one versioned document on stdout, nothing secret anywhere', async () => {
    const { api, env } = await peers([{ status: 200, fixture: 'send-ok.json' }]);
    const run = await runCliInProcess(['send-test', '--to', 'john@example.com', '--json'], {
      env,
      tty: true,
    });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      version: 1,
      transport: 'api',
      smtp2go_email_id: '1u0SwL-B9zBpi9ffUq-JAB2',
      fallback_reason: null,
      failed_recipients: [],
    });
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['reply_id', 'tracking_id', 'message_id', 'attempts']),
    );
    expect((doc.attempts as Array<Record<string, unknown>>)[0]).toMatchObject({
      transport: 'api',
      ok: true,
      status: 200,
      error: null,
    });
    expect(doc.tracking_id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(run.stderr).toBe('');
    expect(api.requests[0]?.headers['x-smtp2go-api-key']).toBe(API_KEY);
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
  });

  it('human output: a line per attempt and a final line with the ids', async () => {
    const { relay, env } = await peers([{ status: 401, fixture: 'error-permission.json' }]);
    const run = await runCliInProcess(['send-test', '--to', 'john@example.com'], { env, tty: false });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^api {2}failed HTTP 401 auth \d+ ms$/);
    expect(lines[1]).toMatch(/^ {5}SMTP2Go answered HTTP 401 /);
    expect(lines.find((line) => line.startsWith('smtp'))).toMatch(/^smtp sent \d+ ms$/);
    expect(run.stdout).toContain('delivered to john@example.com via smtp');
    expect(run.stdout).toMatch(/reply id +1\ntracking id +[A-Za-z0-9_-]{24}\nSMTP2Go email id +-\n/);
    expect(relay.mails).toHaveLength(1);
    // No PORTAL_URL: the relay copy cannot carry first-party tracking, and the operator is told once (issue 15).
    expect(run.stderr).toBe(
      'warning: this mail goes out through the relay untracked: first-party tracking needs a portal URL (configure --portal-url)\n',
    );
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
  });

  it('a failed send with --json: exit 1, one document with the attempts and the error', async () => {
    const { env } = await peers([{ status: 403, fixture: 'error-permission.json' }]);
    const run = await runCliInProcess(['send-test', '--to', 'john@example.com', '--no-fallback', '--json'], {
      env,
    });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({
      version: 1,
      transport: null,
      outcome: 'failed',
      failed_recipients: ['john@example.com'],
      error: { code: 'send_failed' },
    });
    expect(run.stdout + run.stderr).not.toContain(API_KEY);
    const db = openStore(env.SMTP2GO_PORTAL_DB as string);
    expect(db.prepare('SELECT transport, send_outcome FROM ticket_replies').get()).toEqual({
      transport: 'failed',
      send_outcome: 'failed',
    });
    db.close();
  });

  it('an invalid recipient is exit 2 and nothing is sent', async () => {
    const { api, relay, env } = await peers([{ status: 200, fixture: 'send-ok.json' }]);
    const run = await runCliInProcess(['send-test', '--to', 'john@example.com, nope'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--to');
    expect(api.requests).toHaveLength(0);
    expect(relay.mails).toHaveLength(0);
  });

  it('a new user with only a relay configured can send', async () => {
    const { api, relay, env } = await peers([]);
    const run = await runCliInProcess(
      ['send-test', '--to', 'john@example.com', '--from', 'me@example.com', '--json'],
      {
        env: { ...env, SMTP2GO_ENABLED: '', SMTP2GO_API_KEY: '', SMTP2GO_SENDER: '' },
      },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      transport: 'smtp',
      fallback_reason: 'the SMTP2Go module is disabled',
    });
    expect(api.requests).toHaveLength(0);
    expect(relay.mails[0]?.from).toBe('me@example.com');
  });
});
