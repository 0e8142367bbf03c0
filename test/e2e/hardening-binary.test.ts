import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadModuleSettings } from '../../src/store/module-settings.js';
import { openStore } from '../../src/store/open-store.js';
import { BIN, runBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';

// Round two findings whose behaviour belongs to the process (its own TZ, its own terminal detection,
// a listener that runs until signalled): the built binary, in a temp HOME.
const tempDir = useTempDir('smtp2go-hardening-');
const children: Array<ReturnType<typeof spawn>> = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** The built binary with only PATH and a HOME of its own besides `env`. */
const run = (args: string[], env: NodeJS.ProcessEnv, cwd = tempDir()) =>
  runBinary(args, { env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, cwd, timeoutMs: 15_000 });

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build`');
});

describe('round two #18: secrets are never written into a store others can read', () => {
  it('round two #18: webhook serve on an existing 0644 store makes it 0600 before storing the generated secret, and says so', async () => {
    const dbPath = join(tempDir(), 'pre.db');
    closeSync(openSync(dbPath, 'w'));
    chmodSync(dbPath, 0o644);
    const child = spawn(
      process.execPath,
      [BIN, '--db', dbPath, '--json', 'webhook', 'serve', '--port', '0'],
      { env: { PATH: process.env.PATH ?? '', HOME: tempDir(), CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const ready = await new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).on(
        'line',
        (line) => line.includes('"ready"') && resolve(line),
      ),
    );
    expect(JSON.parse(ready)).toMatchObject({ type: 'ready', generated_webhook_secret: expect.any(String) });
    for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) expect(mode(file), file).toBe('600');
    const db = openStore(dbPath, { readonly: true });
    expect(loadModuleSettings(db).webhookSecret).toEqual(expect.any(String));
    db.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toMatch(/^warning: .*pre\.db.* readable by other users \(mode 644\).* now 0600/m);
  });
});

describe('round two #21: what the process itself decides (its TZ, its terminal)', () => {
  it('round two #21: TZ=Nope/Zone: times in UTC with one warning, and --json keeps time_zone', async () => {
    const env = { CI: '1', TZ: 'Nope/Zone', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    openStore(env.SMTP2GO_PORTAL_DB).close(); // stats only reads: it refuses a store that does not exist
    const human = await run(['stats'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Times in UTC\.$/m);
    expect(human.stderr).toBe(
      'warning: TZ "Nope/Zone" is not a time zone this system knows; times are shown in UTC\n',
    );
    const json = await run(['--json', 'stats'], env);
    expect((JSON.parse(json.stdout) as { time_zone?: string }).time_zone).toBe('UTC');
  });

  it('round two #21: configure --show | cat on a colour terminal type prints no colour codes in the table', async () => {
    // No CI here: @colors/colors (inside cli-table3) decides from TERM alone, without looking at the pipe.
    const env = { TERM: 'xterm-256color', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const piped = await run(['configure', '--show'], env);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/┌/);
    expect(piped.stdout).not.toMatch(/\u001b|\\u001b/);
    const noColor = await run(['configure', '--show'], { ...env, NO_COLOR: '1', FORCE_COLOR: '1' });
    expect(noColor.stdout).not.toMatch(/\u001b|\\u001b/);
  });
});

describe("round two #16: the listener's human log, end to end", () => {
  it('round two #16: an event whose fields carry ESC, CR/LF and C1 is logged on one line, escaped', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '--db', join(tempDir(), 'portal.db'), 'webhook', 'serve', '--port', '0', '--insecure'],
      { env: { PATH: process.env.PATH ?? '', HOME: tempDir(), CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    const lines: string[] = [];
    let notify = () => undefined as void;
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      notify();
    });
    const waitFor = (match: (line: string) => boolean) =>
      new Promise<string>((resolve) => {
        const check = () => {
          const found = lines.find(match);
          if (found !== undefined) resolve(found);
        };
        notify = check;
        check();
      });
    const url = /Listening on (\S+)/.exec(
      await waitFor((line) => line.startsWith('Listening on')),
    )?.[1] as string;
    const event = {
      event: 'bounce\u001b[2J',
      email_id: '1uEsc-e2e',
      rcpt: 'a\u009b31m\r\nFORGED 200@example.com',
      time: '2026-09-10T09:00:00Z',
      bounce: 'hard',
      message: '550 \u001b]0;title\u0007',
    };
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
    });
    expect(response.status).toBe(200);
    const logged = await waitFor((line) => line.includes('1uEsc') || line.includes('@example.com'));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(logged).toMatch(
      /^\d\d:\d\d:\d\d 200 bounce\\u001b\[2j +unlinked a\\u009b31m\\r\\nforged 200@example\.com [\d.]+ ms$/,
    );
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(lines.some((line) => /^forged/i.test(line))).toBe(false);
  });
});
