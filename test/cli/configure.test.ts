import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Prompter, TextPrompt } from '../../src/cli/prompts.js';
import { API_KEY, SMTP_PASSWORD, WEBHOOK_SECRET } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('configure', () => {
  const tempDir = useTempDir();
  const setup = () => {
    const dir = tempDir();
    return { dir, env: { CI: '1', SMTP2GO_PORTAL_DB: join(dir, 'data', 'portal.db') } };
  };

  it('saves flags, shows masked values with their sources, and never prints a secret', async () => {
    const { env } = setup();
    const saved = await runCliInProcess(
      [
        'configure',
        '--api-key',
        API_KEY,
        '--enable',
        '--smtp-host',
        'mail.smtp2go.com',
        '--smtp-password',
        SMTP_PASSWORD,
        '--webhook-secret',
        WEBHOOK_SECRET,
        '--region',
        'eu',
      ],
      { env },
    );
    expect(saved.code).toBe(0);
    const shown = await runCliInProcess(['configure', '--show', '--json'], {
      env: { ...env, SMTP_PORT: '587' },
    });
    expect(shown.code).toBe(0);
    const doc = JSON.parse(shown.stdout) as {
      version: number;
      settings: { key: string; value: unknown; source: string }[];
    };
    expect(doc.version).toBe(1);
    const byKey = Object.fromEntries(doc.settings.map((s) => [s.key, s]));
    expect(byKey.apiKey).toMatchObject({ value: 'api-••••••••3f9a', source: 'stored' });
    expect(byKey.enabled).toMatchObject({ value: true, source: 'stored' });
    expect(byKey.apiUrl).toMatchObject({ value: 'https://eu-api.smtp2go.com/v3' });
    expect(byKey.smtpPort).toMatchObject({ value: 587, source: 'env' });
    expect(byKey.trackOpens).toMatchObject({ value: true, source: 'default' });
    for (const output of [saved.stdout, saved.stderr, shown.stdout, shown.stderr]) {
      expect(output).not.toContain(API_KEY);
      expect(output).not.toContain(SMTP_PASSWORD);
      expect(output).not.toContain(WEBHOOK_SECRET);
    }
    const human = await runCliInProcess(['configure', '--show'], { env });
    expect(human.stdout).toContain('api-••••••••3f9a');
    expect(human.stdout).not.toContain(API_KEY);
  });

  it('creates the database file with mode 0600', async () => {
    const { env } = setup();
    await runCliInProcess(['configure', '--disable'], { env });
    expect(statSync(env.SMTP2GO_PORTAL_DB).mode & 0o777).toBe(0o600);
  });

  it('reads .env from the working directory without overriding the environment', async () => {
    const { dir, env } = setup();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, '.env'), `SMTP2GO_API_KEY=${API_KEY}\nSMTP_HOST=from-dotenv.example.com\n`);
    await runCliInProcess(['configure', '--enable'], {
      env: { ...env, SMTP_HOST: 'from-shell.example.com' },
      cwd: dir,
    });
    const shown = await runCliInProcess(['configure', '--show', '--json'], { env });
    const byKey = Object.fromEntries(
      (JSON.parse(shown.stdout).settings as { key: string; value: unknown }[]).map((s) => [s.key, s.value]),
    );
    expect(byKey.apiKey).toBe('api-••••••••3f9a');
    expect(byKey.smtpHost).toBe('from-shell.example.com');
  });

  it.each([
    [['configure', '--api-key', 'api-nope'], /--api-key: the API key is malformed/],
    [['configure', '--portal-url', 'portal.example.com'], /--portal-url: "portal.example.com" is not a URL/],
    [['configure', '--sender', 'nobody'], /--sender: "nobody" is not an email address/],
    [['configure', '--smtp-port', '65536'], /--smtp-port: port "65536" is out of range/],
    [['configure', '--enable'], /--api-key is required to enable/],
    [['configure', '--enable', '--disable'], /contradict/],
    [['configure', '--region', 'mars'], /mars/],
    [['configure', '--rotate-webhook-secret'], /no current webhook secret/],
    [['configure', '--bogus'], /unknown option '--bogus'/],
  ])('%j exits 2 with a one-line error and leaves the store unchanged', async (args, message) => {
    const { env } = setup();
    await runCliInProcess(['configure', '--smtp-host', 'kept.example.com'], { env });
    const result = await runCliInProcess(args, { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const shown = await runCliInProcess(['configure', '--show', '--json'], { env });
    const byKey = Object.fromEntries(
      (JSON.parse(shown.stdout).settings as { key: string; value: unknown }[]).map((s) => [s.key, s.value]),
    );
    expect(byKey.smtpHost).toBe('kept.example.com');
    expect(byKey.enabled).toBe(false);
  });

  it('reports errors as JSON in --json mode', async () => {
    const { env } = setup();
    const result = await runCliInProcess(['configure', '--json', '--smtp-port', 'x'], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      version: 1,
      error: { code: 'config', message: '--smtp-port: "x" is not a number', hint: expect.any(String) },
    });
  });

  it('generates a webhook secret once and rotates it, keeping the previous one', async () => {
    const { env } = setup();
    const first = await runCliInProcess(['configure', '--generate-webhook-secret', '--json'], { env });
    const secret = JSON.parse(first.stdout).generated_webhook_secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rotated = await runCliInProcess(['configure', '--rotate-webhook-secret', '--json'], { env });
    const doc = JSON.parse(rotated.stdout);
    expect(doc.generated_webhook_secret).not.toBe(secret);
    const byKey = Object.fromEntries(
      (doc.settings as { key: string; value: unknown }[]).map((s) => [s.key, s.value]),
    );
    expect(byKey.previousWebhookSecret).toBe(`••••••••${secret.slice(-4)}`);
    expect(JSON.stringify(doc.settings)).not.toContain(secret);
  });

  it('warns that open/click switches do nothing while tracking is off', async () => {
    const { env } = setup();
    const result = await runCliInProcess(['configure', '--no-tracking', '--track-opens'], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/no effect while tracking is off/);
  });
});

class ScriptedPrompter implements Prompter {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, string | boolean>) {}
  private answer(message: string): string | boolean {
    this.asked.push(message);
    const key = Object.keys(this.answers).find((k) => message.startsWith(k));
    return key === undefined ? '' : (this.answers[key] as string | boolean);
  }
  async input(prompt: TextPrompt) {
    const value = String(this.answer(prompt.message));
    const chosen = value === '' ? (prompt.default ?? '') : value;
    const valid = prompt.validate?.(chosen) ?? true;
    if (valid !== true) throw new Error(`prompt rejected ${chosen}: ${valid}`);
    return chosen;
  }
  async password(prompt: TextPrompt) {
    const value = String(this.answer(prompt.message));
    const valid = prompt.validate?.(value) ?? true;
    if (valid !== true) throw new Error(`prompt rejected: ${valid}`);
    return value;
  }
  async confirm(prompt: { message: string; default?: boolean }) {
    const value = this.answer(prompt.message);
    return value === '' ? (prompt.default ?? false) : value === true;
  }
}

describe('configure on a terminal', () => {
  const tempDir = useTempDir();

  it('walks through every setting, shows a masked summary and saves on confirmation', async () => {
    const env = { SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const prompter = new ScriptedPrompter({
      'SMTP2Go API key': API_KEY,
      'Enable the SMTP2Go module?': true,
      'Enable tracking?': true,
      'Track clicks?': false,
      'SMTP relay host': 'mail.smtp2go.com',
      'SMTP relay port': '587',
      'SMTP password': SMTP_PASSWORD,
      'Portal URL': 'https://portal.example.com',
      'Save these settings?': true,
    });
    const result = await runCliInProcess(['configure'], { env, prompter, tty: true });
    expect(result.code).toBe(0);
    expect(prompter.asked).toContain('Track opens?');
    expect(result.stdout).toContain('api-••••••••3f9a');
    expect(result.stdout).not.toContain(API_KEY);
    const shown = await runCliInProcess(['configure', '--show', '--json'], { env: { ...env, CI: '1' } });
    const byKey = Object.fromEntries(
      (JSON.parse(shown.stdout).settings as { key: string; value: unknown }[]).map((s) => [s.key, s.value]),
    );
    expect(byKey).toMatchObject({
      enabled: true,
      trackClicks: false,
      trackOpens: true,
      smtpPort: 587,
      portalUrl: 'https://portal.example.com',
    });

    // A second run: Enter on the secret prompts keeps the stored secrets.
    const again = new ScriptedPrompter({ 'Save these settings?': true });
    expect((await runCliInProcess(['configure'], { env, prompter: again, tty: true })).code).toBe(0);
    const kept = await runCliInProcess(['configure', '--show', '--json'], { env: { ...env, CI: '1' } });
    const keptByKey = Object.fromEntries(
      (JSON.parse(kept.stdout).settings as { key: string; value: unknown }[]).map((s) => [s.key, s.value]),
    );
    expect(keptByKey).toMatchObject({
      apiKey: 'api-••••••••3f9a',
      smtpPassword: `••••••••${SMTP_PASSWORD.slice(-4)}`,
      smtpPort: 587,
    });
  });

  it('saves nothing when the operator declines', async () => {
    const env = { SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const prompter = new ScriptedPrompter({ 'SMTP2Go API key': API_KEY, 'Save these settings?': false });
    const result = await runCliInProcess(['configure'], { env, prompter, tty: true });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Nothing saved.');
    const shown = await runCliInProcess(['configure', '--show', '--json'], { env: { ...env, CI: '1' } });
    expect(
      JSON.parse(shown.stdout).settings.find((s: { key: string }) => s.key === 'apiKey').value,
    ).toBeNull();
  });

  it('maps Ctrl+C in a prompt to "Cancelled." and exit 130', async () => {
    const env = { SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const exitPrompt = async (): Promise<never> => {
      throw Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
    };
    const { createInquirerPrompter } = await import('../../src/cli/prompts.js');
    const fakeInquirer = {
      input: exitPrompt,
      password: exitPrompt,
      confirm: exitPrompt,
    } as unknown as Parameters<typeof createInquirerPrompter>[0] extends (() => Promise<infer M>) | undefined
      ? M
      : never;
    const wrapped = createInquirerPrompter(async () => fakeInquirer);
    const result = await runCliInProcess(['configure'], { env, prompter: wrapped, tty: true });
    expect(result.code).toBe(130);
    expect(result.stderr.trim()).toBe('Cancelled.');
  });

  it('never prompts without a terminal: CI set means flags only', async () => {
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const prompter = new ScriptedPrompter({});
    const result = await runCliInProcess(['configure'], { env, prompter, tty: true });
    expect(result.code).toBe(0);
    expect(prompter.asked).toEqual([]);
  });
});
