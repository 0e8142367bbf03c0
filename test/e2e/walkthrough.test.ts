import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'smtp2go-portal.js');
const MARKER = '<!-- walkthrough:';

/** The shell lines of the README's Quick start walkthrough: the first ```sh block after the marker. */
function walkthroughLines(readme: string): string[] {
  const start = readme.indexOf(MARKER);
  if (start < 0) throw new Error(`README.md has no "${MARKER}" marker`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  if (block === null) throw new Error('no ```sh block after the walkthrough marker');
  return (block[1] ?? '').split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line !== '');
}

function run(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 15_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('README Quick start walkthrough, built binary', () => {
  const tempDir = useTempDir();
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build`');
  });

  it('runs every line as written, on a fresh HOME with no configuration, and tells the demo reply\'s story', async () => {
    const lines = walkthroughLines(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    const cwd = tempDir();
    // No SMTP2Go settings and an unroutable proxy: anything that tried the network would fail.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: cwd, CI: '1', HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
    const outputs: string[] = [];
    for (const line of lines) {
      if (line.startsWith('npm install')) continue; // the suite runs on a built checkout (npm test builds first)
      const exported = /^export ([A-Z][A-Z0-9_]*)=(\S+)$/.exec(line);
      if (exported !== null) {
        env[exported[1] as string] = exported[2];
        continue;
      }
      // Plain words only, so splitting on spaces is exactly what the shell does.
      expect(line, 'a walkthrough line this test cannot run as the shell would').toMatch(/^npx smtp2go-portal [\w@:/.= -]+$/);
      const result = await run(line.replace(/^npx smtp2go-portal /, '').split(/\s+/), cwd, env);
      expect(result, line).toMatchObject({ code: 0, stderr: '' });
      outputs.push(result.stdout);
    }
    expect(lines.filter((line) => line.startsWith('npx '))).toHaveLength(5);
    expect(existsSync(join(cwd, 'demo.db'))).toBe(true);
    expect(outputs[0]).toMatch(/^Created demo reply 1 \(nothing was sent\)\.\nStored processed .*: reply 1\.\n$/);
    for (const [index, type] of ['delivered', 'open', 'click'].entries()) expect(outputs[index + 1]).toMatch(new RegExp(`^Stored ${type} for customer@example\\.com .*: reply 1\\.\\n$`));
    const story = outputs[4] ?? '';
    expect(story).toContain('Demo reply (created by webhook trigger --demo; nothing was sent)');
    expect(story).toContain('https://example.com/help');

    // What the README's prose promises, read from the same store.
    const json = await run(['stats', '--reply', '1', '--json'], cwd, env);
    const doc = JSON.parse(json.stdout) as { status: string; transport: string; open_count: number; click_count: number; events: Array<{ type: string }> };
    expect(doc).toMatchObject({ status: 'clicked', transport: 'pending', open_count: 1, click_count: 1 });
    expect(doc.events.map((event) => event.type)).toEqual(['processed', 'delivered', 'open', 'click']);
  });
});
