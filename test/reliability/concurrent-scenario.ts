import { join } from 'node:path';
import { expect } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore } from '../../src/store/open-store.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { binaryEnv, runBinary } from '../helpers/run-binary.js';
import { seededRandom, sendEvents, statusSummary, type GeneratedEvent } from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { planRetryStorm, prepareReplies, trackingSnapshot } from './retry-storm.js';

export interface ConcurrentFigures {
  deliveries: number;
  distinct: number;
  statusesA: string;
  statusesB: string;
  noAnswer: number;
  statsRuns: number;
  statsFailures: number;
  lockedMessages: number;
  storedRows: number;
  expectedRows: number;
  equalToCleanRun: boolean;
}

async function runStats(dbPath: string, args: string[]): Promise<{ code: number; out: string }> {
  const run = await runBinary(['--db', dbPath, '--json', 'stats', ...args], {
    env: binaryEnv('/tmp'),
    timeoutMs: 30_000,
  });
  return { code: run.code, out: `${run.stdout}${run.stderr}` };
}

/**
 * Two built listeners on one store file (two ports behind a balancer) share a retry storm, each delivery
 * going to either one, while `stats` (summary and per reply) runs in a loop against the same file.
 */
export async function runConcurrentWriters(
  dir: string,
  options: { count: number; seed: number; concurrency: number },
): Promise<ConcurrentFigures> {
  const dbPath = join(dir, 'portal.db');
  const plan = planRetryStorm(options.count, options.seed);
  const setup = openStore(dbPath);
  prepareReplies(setup, plan);
  setup.close();
  const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const [a, b] = await Promise.all([spawnListener({ dbPath, env }), spawnListener({ dbPath, env })]);
  const random = seededRandom(options.seed + 1);
  const toA: GeneratedEvent[] = [];
  const toB: GeneratedEvent[] = [];
  for (const event of plan.storm) (random() < 0.5 ? toA : toB).push(event);

  let sending = true;
  let statsRuns = 0;
  let statsFailures = 0;
  let lockedMessages = 0;
  const statsLoop = (async () => {
    while (sending) {
      const run = await runStats(
        dbPath,
        statsRuns % 2 === 0 ? [] : ['--reply', String(1 + (statsRuns % 50))],
      );
      statsRuns += 1;
      if (run.code !== 0) statsFailures += 1;
      if (/locked|busy/i.test(run.out)) lockedMessages += 1;
    }
  })();
  let outA;
  let outB;
  try {
    [outA, outB] = await Promise.all([
      sendEvents(a.url, toA, { secret: WEBHOOK_SECRET, concurrency: options.concurrency }),
      sendEvents(b.url, toB, { secret: WEBHOOK_SECRET, concurrency: options.concurrency }),
    ]);
  } finally {
    sending = false;
    await statsLoop;
    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
  }
  lockedMessages += [a, b].filter((listener) =>
    /locked|busy/i.test(listener.stdout() + listener.stderr()),
  ).length;

  const clean = openStore(':memory:');
  prepareReplies(clean, plan);
  const receivedAt = new Date('2026-09-10T09:00:00Z');
  for (const event of plan.inOrder)
    ingestEvents(clean, parseWebhookBody(event.body, 'application/json', receivedAt).events, {
      receivedAt,
      source: 'webhook',
    });
  const expected = trackingSnapshot(clean);
  clean.close();
  const store = openStore(dbPath);
  const actual = trackingSnapshot(store);
  store.close();
  return {
    deliveries: plan.storm.length,
    distinct: plan.inOrder.length,
    statusesA: statusSummary(outA.statuses),
    statusesB: statusSummary(outB.statuses),
    noAnswer: outA.errors + outB.errors,
    statsRuns,
    statsFailures,
    lockedMessages,
    storedRows: actual.events.length,
    expectedRows: expected.events.length,
    equalToCleanRun: JSON.stringify(actual) === JSON.stringify(expected),
  };
}

/** What every concurrent-writers run must show: all 200, exact counters, no lock error surfacing. */
export function expectExactConcurrentWriters(figures: ConcurrentFigures, minStatsRuns: number): void {
  expect(figures.noAnswer).toBe(0);
  expect(figures.statusesA).toMatch(/^200×\d+$/);
  expect(figures.statusesB).toMatch(/^200×\d+$/);
  expect(figures.statsRuns).toBeGreaterThan(minStatsRuns);
  expect(figures.statsFailures).toBe(0);
  expect(figures.lockedMessages).toBe(0);
  expect(figures.storedRows).toBe(figures.expectedRows);
  expect(figures.equalToCleanRun).toBe(true);
}
