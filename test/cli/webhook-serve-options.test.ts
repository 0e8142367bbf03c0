import { describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/run-cli.js';

const env = { CI: '1', SMTP2GO_PORTAL_DB: '/nonexistent/never-opened.db' };

async function serveWith(path: string) {
  const seen: unknown[] = [];
  const run = await runCliInProcess(['webhook', 'serve', '--path', path], {
    env,
    onParsed: (_command, options) => (seen.push(options), true),
  });
  return { ...run, seen };
}

describe('webhook serve --path', () => {
  it('round two #21: --path /healthz is refused (exit 2, one line naming the fix) instead of answering every webhook 405', async () => {
    const run = await serveWith('/healthz');
    expect(run.code).toBe(2);
    expect(run.seen).toEqual([]);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--path.*\/healthz/);
    expect(lines[0]).toMatch(/\/api\/webhooks\/smtp2go\/events/);
  });

  it.each(['events', './events', 'api/webhooks', '/a/../healthz', '/./events', '/events/..'])(
    'round two #21: a path that is not absolute, %j, is refused on one line (exit 2)',
    async (path) => {
      const run = await serveWith(path);
      expect(run.code).toBe(2);
      expect(run.seen).toEqual([]);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/--path/);
    },
  );

  it.each(['/hooks/smtp2go', '/healthz2', '/healthz/events', '/a.b/..c'])('accepts %j', async (path) => {
    const run = await serveWith(path);
    expect(run.code).toBe(0);
    expect(run.seen).toEqual([expect.objectContaining({ path })]);
  });
});
