import { describe, expect, it } from 'vitest';
import { SETTING_ENV_VARS, SETTING_FLAGS, SETTING_KEYS } from '../../src/core/settings.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess } from '../helpers/run-cli.js';

const COMMANDS = [
  [],
  ['configure'],
  ['send-test'],
  ['doctor'],
  ['reconcile'],
  ['stats'],
  ['replies'],
  ['dashboard'],
  ['completion'],
  ['webhook'],
  ['webhook', 'serve'],
  ['webhook', 'register'],
  ['webhook', 'unregister'],
  ['webhook', 'trigger'],
  ['webhook', 'replay'],
];
const help = async (command: string[], columns?: number) => {
  const run = await runCliInProcess([...command, '--help'], columns === undefined ? {} : { columns });
  expect(run.code, command.join(' ')).toBe(0);
  return run.stdout;
};
/** The option lines of a help text, each with its wrapped continuation lines joined. */
function optionLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (/^ {2}-/.test(line)) lines.push(line.trim());
    else if (/^ {6,}\S/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else if (!/^ /.test(line)) lines.push('');
  }
  return lines.filter((line) => line !== '');
}

describe('--help', () => {
  it('issue 14: every command has two or three examples, lists --db and --json, and fits 80 and 120 columns', async () => {
    for (const command of COMMANDS) {
      for (const columns of [80, 120]) expectFits(await help(command, columns), columns);
      const text = await help(command);
      expectFits(text, 80);
      const examples = text
        .slice(text.indexOf('Examples:'))
        .split('\n')
        .filter((line) => /^ {2}\$ smtp2go-portal /.test(line));
      expect(examples.length, command.join(' ')).toBeGreaterThanOrEqual(2);
      expect(examples.length, command.join(' ')).toBeLessThanOrEqual(3);
      if (command.length > 0 && !(command.length === 1 && command[0] === 'webhook')) {
        expect(text, command.join(' ')).toMatch(/\n {2}--db <path\|url>/);
        expect(text, command.join(' ')).toMatch(/\n {2}--json /);
      }
    }
  });

  it('issue 14: defaults are written one way, "(default: …)", with no quotes', async () => {
    for (const command of COMMANDS) {
      for (const line of optionLines(await help(command, 200))) {
        if (!/default/i.test(line)) continue;
        expect(line, command.join(' ')).toMatch(/[(;] ?default: [^"]+?[;)]/);
        expect(line.match(/default/gi), line).toHaveLength(1);
      }
    }
    expect(optionLines(await help(['webhook', 'replay'], 200))).toContainEqual(
      expect.stringMatching(/^--concurrency <n> .*\(default: 8\)$/),
    );
    expect(optionLines(await help(['send-test'], 200))).toContainEqual(
      expect.stringMatching(/^--transport <t> .*\(choices: auto, api, smtp; default: auto\)$/),
    );
    expect(optionLines(await help(['doctor'], 200))).toContainEqual(
      expect.stringMatching(/^--timeout <ms> .*\(default: 5000\)$/),
    );
  });

  it('issue 14: every flag with an environment variable names it', async () => {
    const configure = optionLines(await help(['configure'], 200));
    for (const key of SETTING_KEYS) {
      if (key === 'previousWebhookSecret') continue;
      const flag = SETTING_FLAGS[key];
      const line = configure.find(
        (text) => text.startsWith(`${flag} `) || text.startsWith(`${flag},`) || text === flag,
      );
      expect(line, flag).toBeDefined();
      expect(line, flag).toContain(`env: ${SETTING_ENV_VARS[key]}`);
    }
    expect(configure.find((line) => line.startsWith('--region '))).toContain('env: SMTP2GO_API_URL');
    expect(configure.find((line) => line.startsWith('--disable '))).toContain('env: SMTP2GO_ENABLED');
    for (const command of COMMANDS.filter((c) => c.length > 0 && c.join(' ') !== 'webhook')) {
      expect(
        optionLines(await help(command, 200)).find((line) => line.startsWith('--db ')),
        command.join(' '),
      ).toContain('env: SMTP2GO_PORTAL_DB');
    }
    for (const command of [
      ['webhook', 'trigger'],
      ['webhook', 'replay'],
    ]) {
      expect(
        optionLines(await help(command, 200)).find((line) => line.startsWith('--secret ')),
        command.join(' '),
      ).toContain('env: SMTP2GO_WEBHOOK_SECRET');
    }
    expect(
      optionLines(await help(['send-test'], 200)).find((line) => line.startsWith('--fallback-on-timeout')),
    ).toContain('env: SMTP2GO_FALLBACK_ON_TIMEOUT');
  });
});
