import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { generateEvents, sendEvents } from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { bigBody, openIdle, rssMiB, slowBody, slowHeaders } from './raw-client.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
const MiB = 1024 * 1024;
// Authenticated, so the listener reads (and times) the body instead of refusing it on the headers.
const AUTH = [`Authorization: Bearer ${WEBHOOK_SECRET}`];
beforeAll(assertBuilt);

describe.skipIf(!SLOW)(
  'slow and hostile clients against the built listener with its production timeouts',
  () => {
    it('slowloris, dripping and stalled bodies are cut at 10 s / 30 s / 10 s; 5,000 idle connections are bounded and reaped', async () => {
      const dbPath = join(tempDir(), 'portal.db');
      const listener = await spawnListener({ dbPath, env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET } });
      try {
        const pid = listener.child.pid!;
        const rssStart = rssMiB(pid);
        const slow = Promise.all([
          Promise.all(Array.from({ length: 50 }, () => slowHeaders(listener.url, 500, 60_000))),
          slowBody(listener.url, 100_000, 500, 60_000, AUTH),
          slowBody(listener.url, 100_000, 600_000, 60_000, AUTH),
        ]);
        const sockets = await openIdle(listener.url, 5_000);
        const rssIdle = rssMiB(pid);
        const served = await sendEvents(listener.url, generateEvents(2_000, { seed: 41 }), {
          secret: WEBHOOK_SECRET,
          concurrency: 16,
        });
        // One after another: ten at once from this one process could not read their 413 before the cut.
        const bodies = [];
        for (let i = 0; i < 10; i++)
          bodies.push(await bigBody(listener.url, 50 * MiB, i % 2 === 0, 20_000, AUTH));
        const rssLoaded = rssMiB(pid);
        const [headers, drip, stalled] = await slow;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const reaped = sockets.filter((socket) => socket.closed).length;
        for (const socket of sockets) socket.destroy();
        const slowest = Math.max(...headers.map((h) => h.closedAfterMs));
        report('hostile-clients', {
          slowlorisClients: headers.length,
          slowlorisCutMaxMs: slowest,
          dripCutMs: drip.closedAfterMs,
          dripStatus: drip.status,
          stalledCutMs: stalled.closedAfterMs,
          stalledStatus: stalled.status,
          idle: sockets.length,
          idleReapedAfterSlowPhase: reaped,
          rssStartMiB: rssStart,
          rssWith5000IdleMiB: rssIdle,
          rssAfter2000EventsAnd10x50MiBMiB: rssLoaded,
          eventsAcked: served.acked.size,
          bodies413: bodies.filter((b) => b.status === 413).length,
          bodiesResetBefore413: bodies.filter((b) => b.status === null).length,
          maxSentBeforeAnswerKiB: Math.round(Math.max(...bodies.map((b) => b.sentBeforeAnswer)) / 1024),
        });
        expect(slowest).toBeLessThan(10_000 + 1_000 + 1_000);
        expect(drip.closedAfterMs).toBeLessThan(30_000 + 1_000 + 1_000);
        expect(stalled.closedAfterMs).toBeLessThan(10_000 + 1_000);
        expect(served.acked.size).toBe(2_000);
        // Refused either way: a 413, or (finding) a reset that swallowed the 413. Never read to the end.
        expect(bodies.every((b) => b.status === 413 || b.status === null)).toBe(true);
        expect(Math.max(...bodies.map((b) => b.sentBeforeAnswer))).toBeLessThan(8 * MiB);
        expect(rssIdle - rssStart).toBeLessThan(100);
        expect(rssLoaded).toBeLessThan(300);
        // Connections that never send a request count against the header timeout too.
        expect(reaped).toBe(sockets.length);
      } finally {
        await listener.kill('SIGTERM');
      }
    });
  },
);
