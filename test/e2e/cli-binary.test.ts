import { execFile, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'smtp2go-portal.js');
const API_KEY = `api-${'E2E'.padEnd(28, '0')}9z9z`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd, timeout: 15_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the built binary in a temp HOME with CI=1', () => {
  const tempDir = useTempDir();
  const sandbox = () => {
    const home = tempDir();
    return { home, env: { PATH: process.env.PATH ?? '', HOME: home, CI: '1' } };
  };

  beforeAll(() => {
    if (!existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    }
  });

  it('stops quietly with exit 0 when the reader closes the pipe (stats | head)', async () => {
    const { home, env } = sandbox();
    const child = spawn(process.execPath, [BIN, 'completion', 'zsh'], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints help and the version', async () => {
    const { home, env } = sandbox();
    const help = await run(['--help'], env, home);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('configure');
    const version = await run(['--version'], env, home);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('configures by flags into ~/.local/share and shows masked values', async () => {
    const { home, env } = sandbox();
    const saved = await run(['configure', '--api-key', API_KEY, '--enable', '--portal-url', 'https://portal.example.com'], env, home);
    expect(saved.code).toBe(0);
    expect(existsSync(join(home, '.local', 'share', 'smtp2go-portal', 'portal.db'))).toBe(true);
    const shown = await run(['configure', '--show', '--json'], env, home);
    expect(shown.code).toBe(0);
    const doc = JSON.parse(shown.stdout);
    expect(doc.settings.find((s: { key: string }) => s.key === 'apiKey').value).toBe('api-••••••••9z9z');
    expect(shown.stdout + shown.stderr + saved.stdout + saved.stderr).not.toContain(API_KEY);
  });

  it('exits 2 on bad input with one line and no stack trace; DEBUG adds the stack', async () => {
    const { home, env } = sandbox();
    const bad = await run(['configure', '--smtp-port', '0'], env, home);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const debug = await run(['configure', '--smtp-port', '0'], { ...env, DEBUG: '1' }, home);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/at .*\.js:\d+/);
  });

  it('exits 1 with a clear message when the database folder cannot be created', async () => {
    const { home, env } = sandbox();
    writeFileSync(join(home, 'a-file'), 'not a folder');
    const result = await run(['--db', join(home, 'a-file', 'sub', 'portal.db'), 'configure', '--show'], env, home);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot create the database .*a-file\/sub\/portal\.db/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
