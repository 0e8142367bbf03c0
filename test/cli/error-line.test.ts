import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const tempDir = useTempDir();

describe('error messages that echo operator input', () => {
  it.each([
    [['webhook', 'trigger', 'open', '--demo', '--recipient', 'a@b.com\r\nInjected: y']],
    [['webhook', 'serve', '--path', '/a\r\nInjected: b']],
  ])('%j stays on one line with the control characters escaped', async (args) => {
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const result = await runCliInProcess(args, { env });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('\\r\\nInjected');
  });
});
