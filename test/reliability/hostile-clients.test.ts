import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { generateEvents, sendEvents } from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { bigBody, openIdle, rssMiB, slowBody, slowHeaders } from './raw-client.js';
import { eventRowCount, report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
const MiB = 1024 * 1024;
// Authenticated, so the listener reads (and times) the body instead of refusing it on the headers.
const AUTH = [`Authorization: Bearer ${WEBHOOK_SECRET}`];
const open: Array<{ server: WebhookServer; store: Store }> = [];
beforeAll(assertBuilt);
afterEach(async () => {
  for (const { server, store } of open.splice(0)) {
    await server.close();
    store.close();
  }
});

/** The listener in-process with timeouts short enough for the fast suite (the built one uses 10 s / 30 s). */
async function quickListener(): Promise<WebhookServer> {
  const store = openStore(join(tempDir(), 'portal.db'));
  const server = await startWebhookServer({
    store,
    secrets: [WEBHOOK_SECRET],
    port: 0,
    commitThread: false,
    timeouts: { headersMs: 400, bodyIdleMs: 400, requestMs: 1_200, keepAliveMs: 400, closeGraceMs: 200 },
  });
  open.push({ server, store });
  return server;
}

describe('slow and hostile clients (fast: short timeouts in-process; built listener for size and memory)', () => {
  it('slowloris headers are cut off at the header timeout; a body that drips or stalls at the request/idle timeout', async () => {
    const server = await quickListener();
    const [headers, drip, stalled] = await Promise.all([
      slowHeaders(server.url, 50, 5_000),
      slowBody(server.url, 10_000, 100, 5_000, AUTH),
      slowBody(server.url, 10_000, 60_000, 5_000, AUTH),
    ]);
    report('slow-clients-fast', {
      headersCutMs: headers.closedAfterMs,
      headersStatus: headers.status,
      dripCutMs: drip.closedAfterMs,
      dripStatus: drip.status,
      stalledCutMs: stalled.closedAfterMs,
      stalledStatus: stalled.status,
    });
    // The node:http checker runs every headersMs/2, so a cut may come up to that much late; a busy CI
    // machine gets another second. Without the timeouts these clients would hold on until giving up at 5 s.
    expect(headers.closedAfterMs).toBeLessThan(400 + 200 + 1_000);
    expect(drip.closedAfterMs).toBeLessThan(1_200 + 600 + 1_000);
    expect(stalled.closedAfterMs).toBeLessThan(400 + 1_000);
    expect(stalled.status).toBe(408);
  });

  it('the built listener refuses a 50 MiB body (declared or chunked) with 413 after at most a few MiB, memory flat', async () => {
    const listener = await spawnListener({
      dbPath: join(tempDir(), 'portal.db'),
      env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    try {
      const rssBefore = rssMiB(listener.child.pid!);
      const declared = await bigBody(listener.url, 50 * MiB, true, 10_000, AUTH);
      const chunked = await bigBody(listener.url, 50 * MiB, false, 10_000, AUTH);
      const rssAfter = rssMiB(listener.child.pid!);
      report('body-50MiB', {
        declaredStatus: declared.status,
        declaredSentBeforeAnswerKiB: Math.round(declared.sentBeforeAnswer / 1024),
        declaredMs: declared.closedAfterMs,
        chunkedStatus: chunked.status,
        chunkedSentBeforeAnswerKiB: Math.round(chunked.sentBeforeAnswer / 1024),
        chunkedMs: chunked.closedAfterMs,
        rssBeforeMiB: rssBefore,
        rssAfterMiB: rssAfter,
      });
      // A 413, or a reset that swallowed it (the listener closes with the client's bytes unread: see RELIABILITY.md).
      expect([413, null]).toContain(declared.status);
      expect([413, null]).toContain(chunked.status);
      // The declared one is refused on its headers; the chunked one once it passes 1 MiB (plus socket buffers).
      expect(declared.sentBeforeAnswer).toBeLessThan(8 * MiB);
      expect(chunked.sentBeforeAnswer).toBeLessThan(8 * MiB);
      expect(rssAfter - rssBefore).toBeLessThan(30);
    } finally {
      await listener.kill('SIGTERM');
    }
  });

  it('500 idle connections to the built listener: memory stays bounded and events are still stored', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    const listener = await spawnListener({ dbPath, env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    const sockets = await openIdle(listener.url, 500);
    try {
      const rssBefore = rssMiB(listener.child.pid!);
      const served = await sendEvents(listener.url, generateEvents(200, { seed: 31 }), {
        secret: WEBHOOK_SECRET,
        concurrency: 8,
      });
      const rssIdle = rssMiB(listener.child.pid!);
      report('idle-connections-fast', {
        idle: sockets.length,
        rssWithIdleMiB: rssIdle,
        rssBeforeEventsMiB: rssBefore,
        eventsAcked: served.acked.size,
        rows: eventRowCount(dbPath),
      });
      expect(served.acked.size).toBe(200);
      expect(rssIdle).toBeLessThan(200);
    } finally {
      for (const socket of sockets) socket.destroy();
      await listener.kill('SIGTERM');
    }
  });
});
