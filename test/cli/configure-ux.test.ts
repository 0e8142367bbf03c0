import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskSecret } from '../../src/core/mask.js';
import { expectFits } from '../helpers/fits.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const API_KEY = 'api-0123456789abcdefABCDEF0123453f9a';

describe('configure output', () => {
  const tempDir = useTempDir();
  const env = () => ({ CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') });
  const LONG = [
    '--api-key',
    API_KEY,
    '--enable',
    '--sender',
    'Customer Support Team <customer-support-team@helpdesk.example-company.com>',
    '--portal-url',
    'https://helpdesk-portal.internal.example-company.com/tickets/portal',
    '--smtp-host',
    'mail.smtp2go.com',
    '--smtp-password',
    'relay-password-never-shown',
    '--generate-webhook-secret',
  ];

  it('issue 14: configure --show fits 80 and 120 columns; flags and variables are named where they fit', async () => {
    const e = env();
    expect((await runCliInProcess(['configure', ...LONG], { env: e })).code).toBe(0);
    const narrow = await runCliInProcess(['configure', '--show'], { env: e, columns: 80 });
    const wide = await runCliInProcess(['configure', '--show'], { env: e, columns: 120 });
    const unknown = await runCliInProcess(['configure', '--show'], { env: e });
    expectFits(narrow.stdout, 80);
    expectFits(wide.stdout, 120);
    expectFits(unknown.stdout, 80);
    expect(narrow.stdout).toContain('helpdesk-portal.internal');
    expect(narrow.stdout).toMatch(/configure --help names the flag and environment variable of each setting/);
    expect(wide.stdout).toContain('SMTP2GO_API_KEY');
  });

  it('issue 14: configure with nothing to change says so instead of "Saved"', async () => {
    const e = env();
    expect(
      (await runCliInProcess(['configure', '--api-key', API_KEY, '--enable'], { env: e })).stderr,
    ).toMatch(/Saved/);
    const again = await runCliInProcess(['configure', '--api-key', API_KEY, '--enable'], { env: e });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/Saved/);
    expect(again.stderr).toMatch(/Nothing to change: the stored settings already say this\./);
    const json = await runCliInProcess(['--json', 'configure', '--enable'], { env: e });
    expect(JSON.parse(json.stdout)).toMatchObject({ saved: false, changed: [] });
    const changed = await runCliInProcess(['--json', 'configure', '--sender', 'help@example.com'], {
      env: e,
    });
    expect(JSON.parse(changed.stdout)).toMatchObject({ saved: true, changed: ['sender'] });
  });

  it('issue 14: the "no SMTP relay" warning is shown by --show and doctor, not by every configure', async () => {
    const e = env();
    const saved = await runCliInProcess(
      ['configure', '--api-key', API_KEY, '--enable', '--sender', 'help@example.com'],
      { env: e },
    );
    expect(saved.stderr).not.toMatch(/no SMTP relay/);
    expect((await runCliInProcess(['configure', '--show'], { env: e })).stderr).toMatch(
      /no SMTP relay configured/,
    );
    expect((await runCliInProcess(['--json', 'configure', '--show'], { env: e })).stdout).toMatch(
      /no SMTP relay configured/,
    );
  });

  it('issue 14: configure --enable warns that the API has no sender', async () => {
    const e = env();
    const run = await runCliInProcess(['configure', '--api-key', API_KEY, '--enable'], { env: e });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/warning: no default sender: every send through the API needs one/);
    const withSender = await runCliInProcess(['configure', '--sender', 'help@example.com'], { env: e });
    expect(withSender.stderr).not.toMatch(/no default sender/);
  });
});

describe('maskSecret', () => {
  it('issue 14: shows at most the last 4 characters, and nothing of a short secret', () => {
    expect(maskSecret(API_KEY)).toBe('api-••••••••3f9a');
    expect(maskSecret('relay-password-never-shown')).toBe('••••••••hown');
    expect(maskSecret('whsec-long-enough-0001')).toBe('••••••••0001');
    for (const short of ['hunter2', 'password1', 'pa55word12', 'twelve-chars', 'fifteen-chars!!']) {
      const masked = maskSecret(short) as string;
      expect(masked, short).toBe('••••••••');
    }
    expect(maskSecret('')).toBeNull();
    expect(maskSecret(null)).toBeNull();
  });
});
