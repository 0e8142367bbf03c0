import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripAnsi } from '../../src/cli/text-width.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { CLEAR, ScriptedPrompter, type ScriptedAnswer } from '../helpers/scripted-prompter.js';
import { useTempDir } from '../helpers/temp-dir.js';

const API_KEY = 'api-0123456789abcdefABCDEF0123453f9a';

describe('the configure wizard', () => {
  const tempDir = useTempDir();
  const env = () => ({ SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') });
  const wizard = (e: NodeJS.ProcessEnv, answers: Record<string, ScriptedAnswer>, columns?: number) => {
    const prompter = new ScriptedPrompter({ 'Save these settings?': true, ...answers });
    return runCliInProcess(['configure'], {
      env: e,
      prompter,
      tty: true,
      ...(columns === undefined ? {} : { columns }),
    }).then((run) => ({
      run: { ...run, stdout: stripAnsi(run.stdout), stderr: stripAnsi(run.stderr) },
      prompter,
    }));
  };
  const shown = async (e: NodeJS.ProcessEnv) => {
    const run = await runCliInProcess(['configure', '--show', '--json'], { env: { ...e, CI: '1' } });
    return Object.fromEntries(
      (JSON.parse(run.stdout).settings as Array<{ key: string; value: unknown; source: string }>).map((s) => [
        s.key,
        s,
      ]),
    );
  };
  const row = (stdout: string, key: string) =>
    stdout.split('\n').find((line) => new RegExp(`│ ${key} +│`).test(line)) ?? '';

  it('issue 14: the summary fits 80 and 120 columns', async () => {
    const answers = {
      'SMTP2Go API key': API_KEY,
      'Enable the SMTP2Go module?': true,
      'Default sender': 'Customer Support Team <customer-support-team@helpdesk.example-company.com>',
      'SMTP relay host': 'mail.smtp2go.com',
      'Portal URL': 'https://helpdesk-portal.internal.example-company.com/tickets/portal',
    };
    for (const columns of [80, 120]) {
      const { run } = await wizard(env(), answers, columns);
      expect(run.code).toBe(0);
      expectFits(run.stdout, columns);
    }
  });

  it('issue 14: values typed in the wizard show their source as prompt, not flag', async () => {
    const { run } = await wizard(env(), {
      'SMTP2Go API key': API_KEY,
      'Enable the SMTP2Go module?': true,
      'Default sender': 'help@example.com',
    });
    expect(run.code).toBe(0);
    expect(row(run.stdout, 'sender')).toMatch(/help@example\.com\s+│ prompt/);
    expect(row(run.stdout, 'apiKey')).toMatch(/│ prompt/);
    expect(row(run.stdout, 'trackOpens')).toMatch(/│ default/);
    expect(run.stdout).not.toMatch(/│ flag /);
  });

  it('issue 14: clearing a field shows the default it falls back to, and stores nothing for it', async () => {
    const e = env();
    await wizard(e, { 'SMTP relay host': 'mail.smtp2go.com', 'SMTP relay port': '587', 'API region': 'eu' });
    expect((await shown(e)).smtpPort).toMatchObject({ value: 587, source: 'stored' });
    const { run } = await wizard(e, { 'SMTP relay port': CLEAR, 'API region': CLEAR });
    expect(run.code).toBe(0);
    expect(row(run.stdout, 'smtpPort')).toMatch(/2525\s+│ default \(cleared\)/);
    expect(row(run.stdout, 'apiUrl')).toMatch(/https:\/\/api\.smtp2go\.com\/v3\s+│ default \(cleared\)/);
    expect(await shown(e)).toMatchObject({
      smtpPort: { value: 2525, source: 'default' },
      apiUrl: { value: 'https://api.smtp2go.com/v3', source: 'default' },
    });
  });

  it('issue 14: errors name the question, not a flag; "abc" as a port is not a number', async () => {
    const { prompter } = await wizard(env(), { 'SMTP relay host': 'mail.smtp2go.com' });
    const validate = (start: string) =>
      prompter.prompts.find((p) => p.message.startsWith(start))?.validate as (value: string) => true | string;
    expect(validate('SMTP relay port')('abc')).toBe(
      '"abc" is not a number: give a port between 1 and 65535, e.g. 2525',
    );
    expect(validate('SMTP relay port')('70000')).toMatch(/^port "70000" is out of range/);
    for (const [question, value] of [
      ['SMTP relay host', 'mail.example.com:25'],
      ['Webhook secret', 'short'],
      ['SMTP2Go API key', 'nope'],
      ['Default sender', 'x'],
      ['API region', 'mars'],
    ]) {
      const message = validate(question as string)(value as string);
      expect(message, question).toEqual(expect.any(String));
      expect(message, question).not.toMatch(/--/);
    }
  });

  it('issue 14: enabling without an API key is an error naming the question, not --api-key', async () => {
    const prompter = new ScriptedPrompter({
      'Enable the SMTP2Go module?': true,
      'Save these settings?': true,
    });
    const run = await runCliInProcess(['configure'], { env: env(), prompter, tty: true, columns: 200 });
    run.stderr = stripAnsi(run.stderr);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: the module cannot be enabled without an answer to "SMTP2Go API key"/);
    expect(run.stderr).not.toMatch(/--api-key/);
  });

  it('issue 14: "Enter keeps the current one" only when there is one', async () => {
    const e = env();
    const first = await wizard(e, { 'Webhook secret': 'whsec-long-enough-to-be-valid-0001' });
    const asked = (p: ScriptedPrompter, start: string) => p.asked.find((m) => m.startsWith(start)) ?? '';
    expect(asked(first.prompter, 'Webhook secret')).not.toMatch(/keeps the current/);
    expect(asked(first.prompter, 'SMTP2Go API key')).not.toMatch(/keeps the current/);
    const second = await wizard(e, {});
    expect(asked(second.prompter, 'Webhook secret')).toMatch(/Enter keeps the current one/);
    expect(asked(second.prompter, 'SMTP2Go API key')).not.toMatch(/keeps the current/);
  });

  it('issue 14: asks for the region and for relaying after an ambiguous API timeout', async () => {
    const e = env();
    const { prompter, run } = await wizard(e, {
      'API region': 'au',
      'SMTP relay host': 'mail.smtp2go.com',
      'Relay even when': true,
    });
    expect(run.code).toBe(0);
    expect(prompter.asked.some((m) => m.startsWith('API region (global, us, eu or au'))).toBe(true);
    expect(await shown(e)).toMatchObject({
      apiUrl: { value: 'https://au-api.smtp2go.com/v3' },
      fallbackOnTimeout: { value: true },
    });
    const again = await wizard(e, {});
    expect(again.prompter.prompts.find((p) => p.message.startsWith('API region'))?.default).toBe('au');
    expect(again.prompter.prompts.find((p) => p.message.startsWith('Relay even when'))?.default).toBe(true);
  });
});
