import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, NOW, useListeners } from '../webhook/listener-harness.js';
import {
  formBody,
  makeEvent,
  storeWithReply,
  useScriptedServers,
  writeFile,
} from '../webhook/replay-harness.js';

const tempDir = useTempDir();
const listener = useListeners();
const scripted = useScriptedServers();

const EVENTS = [
  makeEvent({ event: 'delivered', time: '2026-09-10T07:00:00Z' }),
  makeEvent({ event: 'open', time: '2026-09-10T08:30:00Z' }),
  makeEvent({ event: 'click', url: 'https://x.example/', time: '2026-09-10T08:45:00Z' }),
];
const NDJSON = EVENTS.map((event) => JSON.stringify(event)).join('\n');

function setup(): { dir: string; db: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir();
  storeWithReply(dir).store.close();
  const db = join(dir, 'portal.db');
  return { dir, db, env: { CI: '1', SMTP2GO_PORTAL_DB: db } };
}

describe('webhook replay (CLI)', () => {
  it('applies a file locally, one line per event and a summary; the second run is all duplicates', async () => {
    const { dir, env, db } = setup();
    const file = writeFile(dir, 'e.ndjson', NDJSON);
    const first = await runCliInProcess(['webhook', 'replay', '--file', file], { env, now: () => NOW });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^line 1 +delivered +jo@example.com {2}stored \d+ ms$/m);
    expect(first.stdout).toMatch(
      /the local store:\n {2}sent 3, ok 3, duplicate 0, failed 0, retried 0, malformed 0\n {2}p50 /,
    );
    const second = await runCliInProcess(['webhook', 'replay', '--file', file], { env, now: () => NOW });
    expect(second.stdout).toContain('sent 3, ok 0, duplicate 3');
    const store = openStore(db);
    expect(count(store)).toBe(3);
    store.close();
  });

  it('issue 14: a line says unlinked for an event no reply claims, stored or already stored; --json says so per event', async () => {
    const { dir, env } = setup();
    const stranger = makeEvent({
      event: 'delivered',
      email_id: '1zzzzz-nobody-has',
      rcpt: 'who@example.org',
      time: '2026-09-10T07:05:00Z',
    });
    const file = writeFile(dir, 'e.ndjson', [JSON.stringify(EVENTS[0]), JSON.stringify(stranger)].join('\n'));
    const first = await runCliInProcess(['webhook', 'replay', '--file', file], { env, now: () => NOW });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^line 1 +delivered +jo@example.com {2}stored \d+ ms$/m);
    expect(first.stdout).toMatch(/^line 2 +delivered +who@example.org {2}stored, unlinked \d+ ms$/m);
    const again = await runCliInProcess(['webhook', 'replay', '--file', file, '--json'], {
      env,
      now: () => NOW,
    });
    const events = (
      JSON.parse(again.stdout) as {
        events: Array<{ line: number; outcome: string; unlinked: boolean | null }>;
      }
    ).events.sort((a, b) => a.line - b.line);
    expect(events.map(({ line, outcome, unlinked }) => ({ line, outcome, unlinked }))).toEqual([
      { line: 1, outcome: 'duplicate', unlinked: false },
      { line: 2, outcome: 'duplicate', unlinked: true },
    ]);
    const third = await runCliInProcess(['webhook', 'replay', '--file', file], { env, now: () => NOW });
    expect(third.stdout).toMatch(/^line 2 +delivered +who@example.org {2}already stored, unlinked \d+ ms$/m);
  });

  it('--file - reads the events from standard input, the same as from a file', async () => {
    const { env, db } = setup();
    const piped = await runCliInProcess(['webhook', 'replay', '--file', '-', '--json'], {
      env,
      now: () => NOW,
      stdin: `${NDJSON}\n`,
    });
    expect(piped.code).toBe(0);
    const document = JSON.parse(piped.stdout);
    expect(document).toMatchObject({
      source: 'file',
      file: '-',
      format: 'ndjson',
      summary: { sent: 3, ok: 3, duplicate: 0 },
    });
    expect(document.events.map((event: { line: number }) => event.line).sort()).toEqual([1, 2, 3]);
    const store = openStore(db);
    expect(count(store)).toBe(3);
    store.close();
    // An operator at a terminal with nothing piped in gets told, instead of a command waiting for input.
    const waiting = await runCliInProcess(['webhook', 'replay', '--file', '-'], {
      env,
      now: () => NOW,
      tty: true,
    });
    expect(waiting.code).toBe(2);
    expect(waiting.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /--file - reads events from standard input, which is a terminal.*< events\.ndjson/,
      ),
    ]);
  });

  it('--json: one document with the summary and per-event results; relative --since uses the clock', async () => {
    const { dir, env } = setup();
    const file = writeFile(dir, 'e.ndjson', NDJSON);
    const run = await runCliInProcess(
      ['webhook', 'replay', '--file', file, '--since', '1h', '--type', 'opened', 'click', '--json'],
      { env, now: () => NOW },
    );
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as Record<string, any>;
    expect(doc).toMatchObject({
      version: 1,
      source: 'file',
      format: 'ndjson',
      target: 'local',
      sign: null,
      dry_run: false,
    });
    expect(doc.summary).toMatchObject({
      read: 3,
      matched: 2,
      sent: 2,
      ok: 2,
      duplicate: 0,
      failed: 0,
      retried: 0,
      malformed: 0,
    });
    expect(
      doc.events.map((event: { line: number; type: string; outcome: string }) => [
        event.line,
        event.type,
        event.outcome,
      ]),
    ).toEqual([
      [2, 'open', 'ok'],
      [3, 'click', 'ok'],
    ]);
    expect(run.stderr).toBe('');
  });

  it('malformed lines are named by number, the rest replays, and the exit code is 1', async () => {
    const { dir, env } = setup();
    const file = writeFile(
      dir,
      'bad.ndjson',
      `${JSON.stringify(EVENTS[0])}\nnot json at all}\n{"rcpt":"x@y.z"}\n${JSON.stringify(EVENTS[1])}\n`,
    );
    const run = await runCliInProcess(['webhook', 'replay', '--file', file], { env, now: () => NOW });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 2: skipped, malformed:');
    expect(run.stderr).toContain('line 3: skipped, malformed: event has no "event" field');
    expect(run.stderr).toContain('error: 2 malformed record(s) skipped');
    expect(run.stdout).toContain('sent 2, ok 2');
  });

  it('round two #1, #3, #21: poison records (deep nesting, a non-string type) count as malformed; __proto__ types and toString fields replay; the run goes on', async () => {
    const { dir, env, db } = setup();
    const deep = `{"event":"open","rcpt":"jo@example.com","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const lines = [
      JSON.stringify(makeEvent({ event: 'delivered' })),
      deep,
      JSON.stringify(makeEvent({ event: '__proto__' })),
      JSON.stringify(makeEvent({ event: 'Constructor' })),
      `{"id":"${'e'.repeat(32)}","event":"open","rcpt":"jo@example.com","toString":"x","__proto__":"y","hasOwnProperty":"z"}`,
      JSON.stringify({ ...makeEvent(), event: {} }),
      JSON.stringify(makeEvent({ event: 'click', url: 'https://x.example/' })),
    ];
    const forms = [
      formBody(makeEvent({ event: 'open', toString: 'x', valueOf: ['a', 'b'] })),
      formBody(makeEvent({ event: 'constructor' })),
      `${formBody(makeEvent({ event: 'open' }))}${'&a='.repeat(80_000)}`,
    ];
    const run = await runCliInProcess(
      ['webhook', 'replay', '--file', writeFile(dir, 'poison.ndjson', lines.join('\n')), '--json'],
      { env, now: () => NOW },
    );
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document.summary).toMatchObject({ read: 7, malformed: 2, sent: 5, ok: 5, failed: 0 });
    expect(document.malformed).toEqual([
      expect.objectContaining({ line: 2, message: 'the JSON body is nested deeper than 64 levels' }),
      expect.objectContaining({
        line: 6,
        message: '"event" must be a non-empty string naming the event type, not an object',
      }),
    ]);
    const formRun = await runCliInProcess(
      ['webhook', 'replay', '--file', writeFile(dir, 'poison.form', forms.join('\n')), '--json'],
      { env, now: () => NOW },
    );
    expect(formRun.code).toBe(0);
    expect(JSON.parse(formRun.stdout).summary).toMatchObject({ read: 3, malformed: 0, sent: 3, ok: 3 });
    const store = openStore(db);
    expect(
      store
        .prepare('SELECT event_type FROM email_tracking_events ORDER BY id')
        .all()
        .map((row) => (row as { event_type: string }).event_type),
    ).toEqual(['delivered', '__proto__', 'constructor', 'open', 'click', 'open', 'constructor', 'open']);
    const payload = (
      store
        .prepare('SELECT payload FROM email_tracking_events WHERE notification_id = ?')
        .get('e'.repeat(32)) as { payload: string }
    ).payload;
    expect(Object.entries(JSON.parse(payload) as object)).toEqual(
      expect.arrayContaining([
        ['toString', 'x'],
        ['__proto__', 'y'],
        ['hasOwnProperty', 'z'],
      ]),
    );
    store.close();
  });

  it('replays the store to a real listener signed with the configured secret, never printing it', async () => {
    const { dir, env } = setup();
    await runCliInProcess(['webhook', 'replay', '--file', writeFile(dir, 'e.ndjson', NDJSON)], {
      env,
      now: () => NOW,
    });
    const target = await listener(tempDir());
    const run = await runCliInProcess(
      [
        'webhook',
        'replay',
        '--from-store',
        '--listener',
        target.server.url,
        '--rate',
        '1000/s',
        '--concurrency',
        '2',
        '--json',
      ],
      { env: { ...env, SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET }, now: () => NOW },
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).summary).toMatchObject({ sent: 3, ok: 3, failed: 0 });
    expect(count(target.store)).toBe(3);
    expect(run.stdout + run.stderr).not.toContain(WEBHOOK_SECRET);
  });

  it('an always-failing target: per-event FAILED lines with the answer, exit 1, counts right', async () => {
    const { dir, env } = setup();
    const target = await scripted(() => ({ status: 500, body: 'database is down' }));
    const run = await runCliInProcess(
      [
        'webhook',
        'replay',
        '--file',
        writeFile(dir, 'e.ndjson', NDJSON),
        '--listener',
        target.url,
        '--sign',
        'bearer',
        '--secret',
        's3cr3t-value',
      ],
      { env, now: () => NOW, columns: 200 },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^line 1 +delivered +jo@example.com {2}FAILED HTTP 500 after 4 attempts \d+ ms: database is down$/m,
    );
    expect(run.stdout).toContain(`${target.url}:\n  sent 3, ok 0, duplicate 0, failed 3, retried 3`);
    expect(run.stderr).toContain('error: 3 of 3 event(s) failed');
    expect(run.stdout + run.stderr).not.toContain('s3cr3t-value');
    expect(target.requests[0]?.headers.authorization).toBe('Bearer s3cr3t-value');
  }, 20_000);

  it('--dry-run sends nothing and says what it would send', async () => {
    const { dir, env } = setup();
    const target = await scripted(() => ({ status: 200 }));
    const run = await runCliInProcess(
      [
        'webhook',
        'replay',
        '--file',
        writeFile(dir, 'e.ndjson', NDJSON),
        '--listener',
        target.url,
        '--sign',
        'none',
        '--dry-run',
      ],
      { env, now: () => NOW },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /line 1 +delivered +jo@example.com {2}would POST \d+ bytes \(application\/json\)/,
    );
    expect(run.stdout).toContain('dry run: 3 event(s) from 3 record(s) would go to');
    expect(target.requests).toHaveLength(0);
  });

  it('usage and configuration errors exit 2 with one line', async () => {
    const { dir, env } = setup();
    const file = writeFile(dir, 'e.ndjson', NDJSON);
    const cases: Array<[string[], RegExp]> = [
      [['webhook', 'replay'], /exactly one source/],
      [['webhook', 'replay', '--file', file, '--from-store'], /exactly one source/],
      [['webhook', 'replay', '--file', join(dir, 'missing.json')], /cannot read --file/],
      [['webhook', 'replay', '--file', file, '--until', 'yesterday'], /--until "yesterday" is not a time/],
      [['webhook', 'replay', '--file', file, '--recipient', 'nobody'], /neither an address nor @domain/],
      [
        ['webhook', 'replay', '--file', file, '--listener', 'http://127.0.0.1:9/x', '--rate', 'fast'],
        /--rate "fast"/,
      ],
      [
        ['webhook', 'replay', '--file', file, '--listener', 'http://127.0.0.1:9/x'],
        /--sign hmac needs a webhook secret/,
      ],
      [
        ['webhook', 'replay', '--file', file, '--since', '1h', '--until', '2h'],
        /--since must be before --until/,
      ],
    ];
    for (const [argv, message] of cases) {
      const run = await runCliInProcess(argv, { env, now: () => NOW });
      expect({ argv, code: run.code }).toEqual({ argv, code: 2 });
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('webhook replay progress bar', () => {
  it('draws on a terminal for a big source, with every per-event line kept; never with --json or off a terminal', async () => {
    const { dir, env } = setup();
    const events = Array.from({ length: 1500 }, () =>
      JSON.stringify(makeEvent({ event: 'open', note: 'x'.repeat(100) })),
    );
    const file = writeFile(dir, 'big.ndjson', events.join('\n'));
    const argv = [
      'webhook',
      'replay',
      '--file',
      file,
      '--listener',
      'http://127.0.0.1:9/hook',
      '--sign',
      'none',
      '--dry-run',
    ];
    const tty = await runCliInProcess(argv, { env, now: () => NOW, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/replay \[.*\] 100% \| 0 sent, 0 failed \| file read/);
    // Lines printed before the bar appeared went to stdout; after, above the bar on the shared terminal.
    expect((tty.stdout + tty.stderr).match(/would POST/g)).toHaveLength(1500);
    expect(tty.stdout).toContain('dry run: 1500 event(s)');
    const piped = await runCliInProcess(argv, { env, now: () => NOW, tty: false });
    expect(piped.stderr).toBe('');
    expect(piped.stdout.match(/would POST/g)).toHaveLength(1500);
    const json = await runCliInProcess([...argv, '--json'], { env, now: () => NOW, tty: true });
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout).summary.matched).toBe(1500);
  });
});
