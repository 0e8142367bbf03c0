import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_KEY } from '../helpers/constants.js';
import { assertBuilt, binaryEnv, runBinary, spawnBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('the built binary in a temp HOME with CI=1', () => {
  const tempDir = useTempDir();
  const sandbox = () => {
    const home = tempDir();
    return { home, env: binaryEnv(home) };
  };

  beforeAll(assertBuilt);

  it('stops quietly with exit 0 when the reader closes the pipe (stats | head)', async () => {
    const { home, env } = sandbox();
    const child = spawnBinary(['completion', 'zsh'], { env, cwd: home });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints help and the version', async () => {
    const { home, env } = sandbox();
    const help = await runBinary(['--help'], { env, cwd: home });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('configure');
    const version = await runBinary(['--version'], { env, cwd: home });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('configures by flags into ~/.local/share and shows masked values', async () => {
    const { home, env } = sandbox();
    const saved = await runBinary(
      ['configure', '--api-key', API_KEY, '--enable', '--portal-url', 'https://portal.example.com'],
      { env, cwd: home },
    );
    expect(saved.code).toBe(0);
    expect(existsSync(join(home, '.local', 'share', 'smtp2go-portal', 'portal.db'))).toBe(true);
    const shown = await runBinary(['configure', '--show', '--json'], { env, cwd: home });
    expect(shown.code).toBe(0);
    const doc = JSON.parse(shown.stdout);
    expect(doc.settings.find((s: { key: string }) => s.key === 'apiKey').value).toBe('api-••••••••3f9a');
    expect(shown.stdout + shown.stderr + saved.stdout + saved.stderr).not.toContain(API_KEY);
  });

  it('exits 2 on bad input with one line and no stack trace; DEBUG adds the stack', async () => {
    const { home, env } = sandbox();
    const bad = await runBinary(['configure', '--smtp-port', '0'], { env, cwd: home });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const debug = await runBinary(['configure', '--smtp-port', '0'], {
      env: { ...env, DEBUG: '1' },
      cwd: home,
    });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/at .*\.js:\d+/);
  });

  it('exits 1 with a clear message when the database folder cannot be created', async () => {
    const { home, env } = sandbox();
    writeFileSync(join(home, 'a-file'), 'not a folder');
    const result = await runBinary(
      ['--db', join(home, 'a-file', 'sub', 'portal.db'), 'configure', '--show'],
      { env, cwd: home },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot create the database .*a-file\/sub\/portal\.db/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
