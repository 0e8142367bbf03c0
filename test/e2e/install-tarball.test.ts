import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd ?? ROOT,
        env: { ...process.env, ...options.env },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}

// The README's "bare command": npm pack, then a global install of the tarball into a prefix. Install
// scripts are off here on purpose, and said so: better-sqlite3's native build takes minutes where no
// prebuilt binary can be downloaded (`npm ci` builds and tests it for the rest of the suite), and the
// CLI must then say what is missing in one line instead of a stack trace.
describe('issue 14: the packed tarball installs as a bare smtp2go-portal command', () => {
  const tempDir = useTempDir();
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js')))
      throw new Error('dist/ is missing: run `npm run build`');
  });

  it('npm pack → npm install -g --prefix <tmp> (install scripts off) → <prefix>/bin/smtp2go-portal --version', async () => {
    const dir = tempDir();
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const pack = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]);
    expect(pack.code, pack.stderr).toBe(0);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = (packed?.files ?? []).map((file) => file.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/smtp2go-portal.js',
        'dist/cli/main.js',
        'contrib/smtp2go-portal.service',
        'docs/production.md',
        'README.md',
        'package.json',
      ]),
    );
    expect(files.filter((path) => path.startsWith('src/') || path.startsWith('test/'))).toEqual([]);

    const prefix = join(dir, 'prefix');
    const install = await run(npm, [
      'install',
      '-g',
      '--prefix',
      prefix,
      join(dir, packed?.filename ?? ''),
      '--ignore-scripts',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ]);
    expect(install.code, install.stderr).toBe(0);
    const bin = join(prefix, 'bin', 'smtp2go-portal');
    const version = await run(bin, ['--version'], { cwd: dir, env: { CI: '1' } });
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });

    // Without its native build the store cannot open: one line naming the driver and the fix, no file left behind.
    const db = join(dir, 'portal.db');
    const store = await run(bin, ['--db', db, 'webhook', 'trigger', 'processed', '--demo'], {
      cwd: dir,
      env: { CI: '1' },
    });
    expect(store.code).toBe(1);
    expect(store.stderr.trim().split('\n')).toHaveLength(1);
    expect(store.stderr).toMatch(/better-sqlite3 .*not built for this Node\.js/);
    expect(store.stderr).toContain('npm rebuild better-sqlite3');
    expect(existsSync(db)).toBe(false);
  }, 30_000);
});
