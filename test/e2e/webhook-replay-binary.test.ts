import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { binaryEnv, REPO_ROOT, runBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, useListeners } from '../webhook/listener-harness.js';
import { makeEvent, storeWithReply, writeFile } from '../webhook/replay-harness.js';

const tempDir = useTempDir();
const listener = useListeners();

describe('webhook replay through the built binary', () => {
  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'commands', 'webhook', 'replay', 'index.js')))
      throw new Error('dist/ is missing webhook replay: run `npm run build`');
  });

  it('applies a file locally, then replays the store to a listener and exits at once', async () => {
    const dir = tempDir();
    storeWithReply(dir).store.close();
    const db = join(dir, 'portal.db');
    const env = binaryEnv(dir, { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET });
    const events = [
      makeEvent({ event: 'delivered' }),
      makeEvent({ event: 'open' }),
      makeEvent({ event: 'click', url: 'https://x.example/' }),
    ];
    const file = writeFile(dir, 'e.ndjson', events.map((event) => JSON.stringify(event)).join('\n'));
    const local = await runBinary(['--db', db, 'webhook', 'replay', '--file', file, '--json'], { env });
    expect(local.code).toBe(0);
    expect(JSON.parse(local.stdout).summary).toMatchObject({ sent: 3, ok: 3 });
    const target = await listener(tempDir(), { now: () => new Date() });
    const sent = await runBinary(
      ['--db', db, 'webhook', 'replay', '--from-store', '--listener', target.server.url],
      { env },
    );
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('sent 3, ok 3, duplicate 0, failed 0');
    expect(sent.ms).toBeLessThan(5_000);
    expect(count(target.store)).toBe(3);
    expect(sent.stdout + sent.stderr).not.toContain(WEBHOOK_SECRET);
  });

  it('--file - replays what is piped in (form lines here) to a listener', async () => {
    const dir = tempDir();
    const env = binaryEnv(dir, { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET });
    const target = await listener(tempDir(), { now: () => new Date() });
    const events = [makeEvent({ event: 'delivered' }), makeEvent({ event: 'open' })];
    const lines = events
      .map((event) => new URLSearchParams(event as Record<string, string>).toString())
      .join('\n');
    const run = await runBinary(
      ['--db', join(dir, 'portal.db'), 'webhook', 'replay', '--file', '-', '--listener', target.server.url],
      { env, input: `${lines}\n` },
    );
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('sent 2, ok 2, duplicate 0, failed 0');
    expect(count(target.store)).toBe(2);
  });
});
