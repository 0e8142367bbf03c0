import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutput } from '../../src/cli/output.js';
import { renderServeEvent } from '../../src/cli/commands/webhook/serve/render.js';
import { saveModuleSettings } from '../../src/store/module-settings.js';
import { openStore } from '../../src/store/open-store.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess, type CliRun } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { activityRoute, row, sentReply } from '../operations/reconcile-harness.js';
import { after, fromFixture, HOUR, post, recordSend, SEC, SENT } from '../operations/stats-stores.js';
import { apiError, ok, startFakeManagementApi } from '../smtp2go/fake-management-api.js';
import { startFakeSmtp2go } from '../smtp2go/fake-smtp2go.js';

// What a remote mail server, a webhook sender or SMTP2Go itself can put in a field: an erase-screen and a
// colour sequence, a CR/LF that would start a forged line of its own, and a C1 CSI (U+009B), which some
// terminals read as ESC [.
const ESC = '\u001b[2J\u001b[31mred';
const FORGE = 'x\r\nFORGED 200 delivered reply 1';
const C1 = '\u009b31mc1';
const BAD = `${ESC} ${FORGE} ${C1}`;
const API_KEY = 'api-0123456789abcdefABCDEF0123453f9a';

const tempDir = useTempDir('smtp2go-escape-');
const closers: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** No control character but the line feeds the renderer itself writes, and each hostile value visibly escaped. */
function expectEscaped(
  text: string,
  expected: string[] = ['\\u001b[2J\\u001b[31mred', 'x\\r\\nFORGED', '\\u009b31mc1'],
): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  expect(text).not.toMatch(/^forged/im);
  for (const escaped of expected) expect(text).toContain(escaped);
}

const all = (run: CliRun) => run.stdout + run.stderr;
/** A renderer's rows joined again where they wrapped (continuation lines indented by `indent` columns). */
const unwrap = (text: string, indent: number) => text.replace(new RegExp(`\\n {${indent}}(?=\\S)`, 'g'), ' ');

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('round two #16: values from outside reach the terminal escaped, in every human output', () => {
  it('round two #16: stats --reply escapes the subject, bounce message, recipients, URLs, event types and send errors', async () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    const id = recordSend(db, {
      to: ['bob@example.com', `eve${C1}@example.com`],
      transport: 'api+smtp',
      emailId: '1uEsc-0001',
      subject: `Re: ${BAD}`,
      fallbackReason: `relay ${BAD}`,
      lastError: `smtp: ${BAD}`,
    });
    post(
      db,
      fromFixture('bounce-hard.live.json', {
        email_id: '1uEsc-0001',
        rcpt: 'bob@example.com',
        time: after(7 * SEC),
        id: '1'.padStart(32, '0'),
        message: `550 ${BAD}`,
        context: `RCPT ${ESC}`,
      }),
    );
    post(
      db,
      fromFixture('open.docs.json', {
        event: 'click',
        url: `https://example.com/${BAD}`,
        email_id: '1uEsc-0001',
        rcpt: 'bob@example.com',
        time: after(HOUR),
        id: '2'.padStart(32, '0'),
      }),
    );
    post(
      db,
      fromFixture('open.docs.json', {
        event: `weird${ESC}`,
        email_id: '1uEsc-0001',
        rcpt: 'bob@example.com',
        time: after(2 * HOUR),
        id: '3'.padStart(32, '0'),
      }),
    );
    db.close();
    const run = await runCliInProcess(['--db', path, 'stats', '--reply', String(id)], {
      env: { CI: '1', TZ: 'UTC' },
      now: () => new Date(SENT.getTime() + 30 * HOUR),
    });
    expect(run.code).toBe(0);
    expectEscaped(all(run));
    // Each row of the summary table is one row, wrapped under its value at 80 columns: nothing was cut or forged.
    expectFits(run.stdout, 80);
    expect(unwrap(run.stdout, 20)).toMatch(/^ {2}bounced +.*550 \\u001b\[2J.*\\u009b31mc1$/m);
  });

  it('round two #16: the stats summary escapes recipient domains and unlinked event types', async () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    recordSend(db, {
      to: [`bob@evil${ESC}.example`, `ann@x${FORGE}.example`, `cy@c1${C1}.example`],
      transport: 'api',
      emailId: '1uEsc-0002',
    });
    post(
      db,
      fromFixture('open.docs.json', {
        event: `odd${C1}`,
        email_id: 'nobody-knows-this-id',
        rcpt: 'z@example.com',
        time: after(HOUR),
        id: '4'.padStart(32, '0'),
      }),
    );
    db.close();
    const run = await runCliInProcess(['--db', path, 'stats', '--by', 'domain'], {
      env: { CI: '1', TZ: 'UTC' },
      now: () => new Date(SENT.getTime() + 30 * HOUR),
    });
    expect(run.code).toBe(0);
    // Domains are stored lowercased. The domain column holds at most 32 columns, cut ("…") after escaping, so
    // the longest escaped domain shows its escaped start.
    expectEscaped(all(run), [
      'evil\\u001b[2j\\u001b[31m',
      'xx\\r\\nforged',
      'c1\\u009b31mc1.example',
      'odd\\u009b31mc1 1',
    ]);
    expectFits(run.stdout, 80);
  });

  it('round two #16: the listener log escapes the request path, method, refusal reason, event type and recipient', () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const output = createOutput({ stdout, stderr: new PassThrough() }, false);
    const at = new Date('2026-09-10T09:00:01Z');
    renderServeEvent(
      output,
      {
        method: `PO${C1}ST`,
        path: `/x${FORGE}`,
        status: 400,
        ms: 0.3,
        events: [],
        error: `bad ${ESC}`,
        auth: null,
        remoteAddress: '127.0.0.1',
      },
      at,
    );
    renderServeEvent(
      output,
      {
        method: 'POST',
        path: '/e',
        status: 200,
        ms: 1,
        events: [
          {
            type: `bounce${ESC}`,
            replyId: 1,
            recipient: `a${FORGE}${C1}@b.example`,
            duplicate: false,
            conflict: false,
          },
        ],
        error: null,
        auth: 'bearer',
        remoteAddress: '127.0.0.1',
      },
      at,
    );
    expectEscaped(text);
    expect(text.trimEnd().split('\n')).toHaveLength(2);
  });

  it("round two #16: webhook replay escapes event types, recipients and the listener's answer", async () => {
    const file = join(tempDir(), 'events.ndjson');
    const event = {
      event: `open${ESC}`,
      email_id: '1uEsc-0003',
      rcpt: `r${C1}@example.com`,
      time: '2026-09-10T09:00:00Z',
      id: 'a'.repeat(32),
    };
    writeFileSync(
      file,
      `${JSON.stringify(event)}\n${JSON.stringify({ ...event, rcpt: `s${FORGE}@example.com`, id: 'b'.repeat(32) })}\n`,
    );
    const dbPath = join(tempDir(), 'portal.db');
    const dry = await runCliInProcess(['--db', dbPath, 'webhook', 'replay', '--file', file, '--dry-run'], {
      env: { CI: '1' },
    });
    expect(dry.code).toBe(0);
    // The listener's parser lowercases types and recipients.
    const lowered = ['\\u001b[2j\\u001b[31mred', 'sx\\r\\nforged', 'r\\u009b31mc1@'];
    expectEscaped(all(dry), lowered);
    const listener = await listen((_req, res) =>
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`refused ${BAD}`),
    );
    const sent = await runCliInProcess(
      ['--db', dbPath, 'webhook', 'replay', '--file', file, '--to', listener, '--sign', 'none'],
      { env: { CI: '1' } },
    );
    expect(sent.code).toBe(1);
    expectEscaped(all(sent), [...lowered, 'refused \\u001b[2J']);
    // Two event lines and the summary, each starting at column 0; what wraps at 80 columns is indented, so a
    // forged line would be a fourth at column 0.
    expect(
      sent.stdout
        .trimEnd()
        .split('\n')
        .filter((line) => !line.startsWith(' ')),
    ).toHaveLength(3);
    expectFits(sent.stdout, 80);
  });

  it("round two #16: reconcile escapes the event names and recipients SMTP2Go's activity log returns", async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const store = openStore(dbPath);
    sentReply(store, '1uEsc-0004', '2026-09-10T08:00:00Z');
    store.close();
    const api = await startFakeManagementApi({
      '/activity/search': activityRoute({
        '1uEsc-0004': [
          [
            row('1uEsc-0004', `opened${C1}`, '2026-09-10T09:00:00Z', {
              recipient: `bob${ESC}${FORGE}@example.org`,
            }),
          ],
        ],
      }),
    });
    closers.push(api.close);
    const run = await runCliInProcess(['reconcile'], {
      env: { CI: '1', SMTP2GO_PORTAL_DB: dbPath, SMTP2GO_API_URL: api.url, SMTP2GO_API_KEY: API_KEY },
      now: () => new Date('2026-09-12T12:00:00Z'),
    });
    expect(run.code).toBe(0);
    expectEscaped(all(run), ['opened\\u009b31mc1', 'bob\\u001b[2j\\u001b[31mredx\\r\\nforged']);
  });

  it('round two #16: send-test escapes what SMTP2Go answered, in the attempt line and in the error line', async () => {
    const api = await startFakeSmtp2go([
      {
        status: 400,
        json: {
          request_id: 'r',
          data: { error_code: 'E_ApiResponseCodes.NON_VALIDATING_IN_PAYLOAD', error: BAD },
        },
      },
    ]);
    closers.push(api.close);
    const dbPath = join(tempDir(), 'portal.db');
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: dbPath,
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_ENABLED: 'true',
      SMTP2GO_SENDER: 'help@example.com',
    };
    const run = await runCliInProcess(['send-test', '--to', 'a@example.com', '--transport', 'api'], { env });
    expect(run.code).toBe(1);
    expectEscaped(all(run));
  });

  it("round two #16: doctor escapes what the API and SMTP2Go's webhook list say", async () => {
    const api = await startFakeManagementApi({
      '/api_keys/permissions': () => apiError(401, 'E_ApiResponseCodes.API_KEY_INVALID', `Invalid ${BAD}`),
      '/webhook/view': () =>
        ok([
          {
            id: 9,
            url: `https://evil.example/api/webhooks/smtp2go/events?${C1}${FORGE}`,
            events: [],
            output_format: 'json',
          },
        ]),
    });
    closers.push(api.close);
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'),
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      PORTAL_URL: 'https://portal.example.com',
    };
    const listener = await listen((_req, res) => res.writeHead(200).end('ok'));
    // At 80 columns SMTP2Go's long answers wrap, a URL even inside an escape: nothing unescaped, every line fits.
    const narrow = await runCliInProcess(
      ['doctor', '--listener', `${listener}/healthz`, '--timeout', '2000'],
      { env },
    );
    expect(narrow.code).toBe(1);
    expectEscaped(all(narrow), ['\\u001b[2J']);
    expectFits(narrow.stdout, 80);
    // On a wide terminal each value is on one line, visibly escaped.
    const run = await runCliInProcess(['doctor', '--listener', `${listener}/healthz`, '--timeout', '2000'], {
      env,
      columns: 300,
    });
    expect(run.code).toBe(1);
    expectEscaped(all(run), ['Invalid \\u001b[2J', 'x\\r\\nFORGED', 'events?\\u009b31mc1x\\r\\nFORGED']);
  });

  it('round two #16: configure --show escapes stored values (an older version or a hand edit may have put them there)', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const db = openStore(dbPath);
    saveModuleSettings(db, { smtpUser: `user ${BAD}`, smtpHost: `relay${C1}.example.com` }, new Date());
    db.close();
    const run = await runCliInProcess(['--db', dbPath, 'configure', '--show'], { env: { CI: '1' } });
    expect(run.code).toBe(0);
    // cli-table3 wraps nothing here, but pads: the escaped text may be split only by the table's own borders.
    expectEscaped(all(run), ['\\u001b[2J\\u001b[31mred', 'x\\r\\nFORGED', 'relay\\u009b31mc1.example.com']);
  });

  it("round two #16: webhook trigger --to escapes the listener's answer; webhook register escapes the webhooks SMTP2Go lists", async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const listener = await listen((_req, res) =>
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`no ${BAD}`),
    );
    const trigger = await runCliInProcess(
      ['--db', dbPath, 'webhook', 'trigger', 'open', '--demo', '--to', listener, '--sign', 'none'],
      { env: { CI: '1' } },
    );
    expect(trigger.code).toBe(1);
    // The delivery client folds the answer's whitespace (CR/LF included) into single spaces.
    expectEscaped(all(trigger), ['no \\u001b[2J\\u001b[31mred x FORGED', '\\u009b31mc1']);
    const api = await startFakeManagementApi({
      '/webhook/view': () =>
        ok([{ id: 3, url: `https://crm${ESC}.example/${FORGE}`, events: ['open'], output_format: 'json' }]),
    });
    closers.push(api.close);
    const env = {
      CI: '1',
      SMTP2GO_PORTAL_DB: dbPath,
      SMTP2GO_API_URL: api.url,
      SMTP2GO_API_KEY: API_KEY,
      SMTP2GO_WEBHOOK_SECRET: 'whsec-long-enough-to-be-valid-0001',
    };
    const register = await runCliInProcess(
      ['webhook', 'register', '--url', 'https://portal.example.com', '--dry-run'],
      { env },
    );
    expect(register.code).toBe(0);
    expectEscaped(all(register), ['crm\\u001b[2J\\u001b[31mred.example', 'x\\r\\nFORGED']);
  });

  it('round two #16: on a coloured terminal our own colours stay and a colour code inside a value is still escaped', async () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    const id = recordSend(db, {
      to: ['bob@example.com'],
      transport: 'api',
      emailId: '1uEsc-0006',
      subject: `Re: ${BAD}`,
    });
    post(
      db,
      fromFixture('bounce-hard.live.json', {
        email_id: '1uEsc-0006',
        rcpt: 'bob@example.com',
        time: after(7 * SEC),
        id: '6'.padStart(32, '0'),
        message: `550 ${BAD}`,
      }),
    );
    db.close();
    const run = await runCliInProcess(['--db', path, 'stats', '--reply', String(id)], {
      env: { CI: '1', TZ: 'UTC', FORCE_COLOR: '1' },
      tty: true,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\u001b\[1mReply/);
    // The hostile sequences appear only escaped: raw, the ESC would come right before "[2J" or "[31mred".
    expect(run.stdout).not.toMatch(/\u001b\[2J|\u001b\[31mred|\u009b|\r/);
    expect(run.stdout.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(
      /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/,
    );
    expect(run.stdout).toContain('\\u001b[2J\\u001b[31mred');
  });

  it('round two #16: JSON output carries C1 controls as \\u escapes too (same value once parsed)', async () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    const id = recordSend(db, {
      to: ['bob@example.com'],
      transport: 'api',
      emailId: '1uEsc-0005',
      subject: 's',
    });
    post(
      db,
      fromFixture('bounce-hard.live.json', {
        email_id: '1uEsc-0005',
        rcpt: 'bob@example.com',
        time: after(7 * SEC),
        id: '5'.padStart(32, '0'),
        message: `550 ${BAD}`,
      }),
    );
    db.close();
    const run = await runCliInProcess(['--db', path, '--json', 'stats', '--reply', String(id)], {
      env: { CI: '1' },
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect((JSON.parse(run.stdout) as { bounce_reason: string }).bounce_reason).toContain(BAD);
  });
});
