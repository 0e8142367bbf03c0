import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore } from '../../src/store/open-store.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { sendEvents, statusSummary } from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { planRetryStorm, prepareReplies, trackingSnapshot } from './retry-storm.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);
const RECEIVED = new Date('2026-09-10T09:00:00Z');

describe.skipIf(!SLOW)('retry storm over HTTP: the built listener under 64 concurrent senders', () => {
  it('30% of 20,000 events sent 2-5 times, shuffled: per-reply and per-recipient results equal a clean in-order run', async () => {
    const seed = Number(process.env.REL_SEED ?? 7);
    const plan = planRetryStorm(20_000, seed);
    const dbPath = join(tempDir(), 'portal.db');
    const setup = openStore(dbPath);
    prepareReplies(setup, plan);
    setup.close();

    const listener = await spawnListener({ dbPath, env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET } });
    let outcome;
    try {
      outcome = await sendEvents(listener.url, plan.storm, { secret: WEBHOOK_SECRET, concurrency: 64 });
    } finally {
      await listener.kill('SIGTERM');
    }

    const clean = openStore(':memory:');
    prepareReplies(clean, plan);
    for (const event of plan.inOrder)
      ingestEvents(clean, parseWebhookBody(event.body, 'application/json', RECEIVED).events, {
        receivedAt: RECEIVED,
        source: 'webhook',
      });
    const expected = trackingSnapshot(clean);
    clean.close();
    const stormy = openStore(dbPath);
    const actual = trackingSnapshot(stormy);
    stormy.close();

    const storedDuplicates = outcome.statuses.get(200) ?? 0;
    report('retry-storm-http', {
      seed,
      distinct: plan.inOrder.length,
      deliveries: plan.storm.length,
      repeated: plan.repeated,
      statuses: statusSummary(outcome.statuses),
      noAnswer: outcome.errors,
      storedRows: actual.events.length,
      expectedRows: expected.events.length,
      eventsPerSecond: Math.round(storedDuplicates / (outcome.elapsedMs / 1000)),
    });
    expect(outcome.errors).toBe(0);
    expect(outcome.statuses.get(200)).toBe(plan.storm.length);
    expect(actual.events).toEqual(expected.events);
    expect(actual.replies).toEqual(expected.replies);
    expect(actual.recipients).toEqual(expected.recipients);
  });
});
