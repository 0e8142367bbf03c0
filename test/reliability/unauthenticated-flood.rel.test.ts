import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { sampleRss, startFlood, summary } from './flood-client.js';
import { generateEvents, sendEvents, statusSummary } from './load-generator.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { spawnListener } from './listener-process.js';
import { rssMiB } from './raw-client.js';
import { SLOW } from './slow-gate.js';
import { readStoredIds, report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
const MiB = 1024 * 1024;
const CONNECTIONS = 1_500;
// Longer than the listener's 10 s body-idle timeout, so a listener that buffers unfinished bodies holds them all.
const PHASE_MS = 12_000;
beforeAll(assertBuilt);

describe.skipIf(!SLOW)(
  '1,500 connections each sending all but the last byte of a 1 MiB body and holding, against the built listener',
  () => {
    it.each([
      ['no credentials', [], [401]],
      ['a wrong Bearer secret', ['Authorization: Bearer not-the-secret'], [401]],
      // A signature can only be checked against the body, so these bodies are read: the cap on bytes held decides.
      [
        'a well-formed signature (the body must be read)',
        [`X-Smtp2go-Signature: ${'0'.repeat(64)}`],
        [401, 408, 503],
      ],
    ] as Array<[string, string[], number[]]>)(
      'round two #2: %s: RSS stays under 300 MB and signed events keep getting 200',
      async (name, headerLines, floodAnswers) => {
        const dbPath = join(tempDir(), 'portal.db');
        const listener = await spawnListener({ dbPath, env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET } });
        try {
          const pid = listener.child.pid!;
          const rssStart = rssMiB(pid);
          const rss = sampleRss(pid);
          const phaseEnd = performance.now() + PHASE_MS;
          const flood = await startFlood(listener.url, {
            connections: CONNECTIONS,
            headerLines,
            bodyBytes: MiB - 1,
            declaredBytes: MiB,
          });
          const signed = await sendEvents(listener.url, generateEvents(50_000, { seed: 52 }), {
            secret: WEBHOOK_SECRET,
            concurrency: 4,
            stop: () => performance.now() > phaseEnd,
          });
          const floodStatuses = flood.statuses();
          const closedByListener = flood.closed();
          flood.end();
          const rssPeak = rss.stop();
          const health = (await fetch(listener.healthUrl)).status;
          const stored = readStoredIds(dbPath).rows;
          report('unauthenticated-flood', {
            attack: JSON.stringify(name),
            connections: CONNECTIONS,
            rssStartMiB: rssStart,
            rssPeakMiB: rssPeak,
            signedSent: [...signed.statuses.values()].reduce((a, b) => a + b, 0) + signed.errors,
            signedStatuses: statusSummary(signed.statuses),
            signedErrors: signed.errors,
            floodAnswers: summary(floodStatuses),
            floodClosedByListener: closedByListener,
            healthAfter: health,
            rows: stored,
            acked: signed.acked.size,
          });
          expect(rssPeak).toBeLessThan(300);
          expect(signed.errors).toBe(0);
          expect([...signed.statuses.keys()]).toEqual([200]);
          expect(signed.acked.size).toBeGreaterThan(100);
          expect(stored).toBe(signed.acked.size);
          expect(
            [...floodStatuses.keys()].every((status) => status !== null && floodAnswers.includes(status)),
          ).toBe(true);
          expect(health).toBe(200);
        } finally {
          await listener.kill('SIGTERM');
        }
      },
    );
  },
);
