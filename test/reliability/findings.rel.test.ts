import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { binaryEnv, runBinary } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { rawRequest } from './raw-client.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

// Each test here reproduces a problem this suite found (RELIABILITY.md, "Findings"). They stay red
// until the code is fixed; none of them hides behind it.fails.
const tempDir = useTempDir('smtp2go-rel-');
const RECEIVED = new Date('2026-09-10T09:00:00Z');

describe.skipIf(!SLOW)('findings', () => {
  let store: Store;
  let server: WebhookServer;
  beforeAll(async () => {
    store = openStore(join(tempDir(), 'portal.db'));
    server = await startWebhookServer({ store, secrets: [WEBHOOK_SECRET], port: 0, commitThread: false });
  });
  afterAll(async () => {
    await server.close();
    store.close();
  });

  it('repeated Authorization headers are refused (node keeps only the first, so the verifier never sees the second)', async () => {
    const body = JSON.stringify({
      event: 'open',
      id: 'd'.repeat(32),
      email_id: 'dup-1',
      rcpt: 'a@example.com',
      time: '2026-09-10T08:00:00Z',
    });
    const status = await rawRequest(
      server.url,
      [
        'Content-Type: application/json',
        `Authorization: Bearer ${WEBHOOK_SECRET}`,
        'Authorization: Bearer somebody-else',
      ],
      body,
    );
    report('finding-duplicate-authorization', { status, expected: 401 });
    expect(status).toBe(401);
  });

  it('an id-less copy (reconcile, a relay) arriving first must not swallow two distinct webhook events with the same content', () => {
    // Two real opens in the same second carry different notification ids; an id-less copy of one of them
    // stored first makes both look like duplicates, so the arrival order decides the open count.
    const base = { email_id: 'e1', event: 'open', time: '2026-09-10T08:00:01Z', rcpt: 'a@example.com' };
    const a = JSON.stringify({ ...base, id: 'a'.repeat(32) });
    const b = JSON.stringify({ ...base, id: 'b'.repeat(32) });
    const idless = JSON.stringify(base);
    const storedAfter = (order: string[]) => {
      const db = openStore(':memory:');
      let stored = 0;
      for (const body of order)
        stored += ingestEvents(db, parseWebhookBody(body, 'application/json', RECEIVED).events, {
          receivedAt: RECEIVED,
          source: 'webhook',
        }).stored;
      db.close();
      return stored;
    };
    const webhookFirst = storedAfter([a, b, idless]);
    const idlessFirst = storedAfter([idless, a, b]);
    report('finding-content-dedupe-order', { webhookFirst, idlessFirst });
    expect(idlessFirst).toBe(webhookFirst);
  });

  it('error messages never carry a raw line break from hostile input (one line, always)', async () => {
    const { runCliInProcess } = await import('../helpers/run-cli.js');
    const env = { CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db') };
    const multiLine: string[] = [];
    for (const argv of [
      ['webhook', 'serve', '--path', '/a\r\nInjected: b'],
      ['webhook', 'trigger', 'open', '--demo', '--recipient', 'a@b.com\r\nInjected: y'],
    ]) {
      const run = await runCliInProcess(argv, { env });
      expect(run.code).toBe(2);
      if (run.stderr.trim().split('\n').length > 1) multiLine.push(argv.slice(0, 2).join(' '));
    }
    report('finding-multiline-errors', { commands: JSON.stringify(multiLine) });
    expect(multiLine).toEqual([]);
  });

  it('--db in a folder that cannot be created under /proc exits 1 with a message instead of spinning forever', async () => {
    const started = performance.now();
    const result = await runBinary(
      ['--db', '/proc/no-such-dir/portal.db', 'webhook', 'trigger', 'processed', '--demo'],
      { env: binaryEnv('/tmp'), timeoutMs: 10_000 },
    );
    report('finding-proc-mkdir', {
      code: result.signal ?? result.code,
      ms: Math.round(performance.now() - started),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot create the database/);
  }, 20_000);
});
