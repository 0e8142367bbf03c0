import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect } from 'vitest';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import type { PostgresCluster } from '../helpers/postgres-cluster.js';
import {
  generateEvents,
  seededRandom,
  sendEvents,
  statusSummary,
  type GeneratedEvent,
} from './load-generator.js';
import { spawnListener, type ListenerProcess } from './listener-process.js';
import { readStoredIds } from './store-probe.js';

export interface OutageFigures {
  /**
   * kill: immediate shutdown (crash recovery at the next start); restart: a clean one; cut: every
   * connection to the database ended by pg_terminate_backend, ten times in a row, the server staying up.
   */
  how: 'kill' | 'restart' | 'cut';
  /** From the stop (the first cut) to the server answering again (the last cut) (ms). */
  downMs: number;
  /** Acknowledged before the stop, and missing from the database once it was back: must be 0. */
  lostAcked: number;
  /** From the server answering again to the listeners' next 200 (ms). */
  firstOkAfterMs: number | null;
}

export interface RestartFigures {
  seed: number;
  listeners: number;
  sent: number;
  /** Deliveries in all, the resends of 503s included. */
  deliveries: number;
  statuses: string;
  perListener: string[];
  noAnswer: number;
  outages: OutageFigures[];
  /** /healthz answers seen while the database was away or recovering, e.g. `200×12 503×30`. */
  healthDuringOutages: string;
  /** From the last 200 to every listener's /healthz answering 200 again (ms). */
  healthyAfterMs: number | null;
  /** Listeners that exited during the run (none may: they recover on their own). */
  exited: number;
  finalRows: number;
  duplicateRows: number;
  /** Answered 200 (so never sent again) and yet not in the database at the end: must be 0. */
  ackedNotStored: number;
  missing: number;
  unexpected: number;
  seconds: number;
}

/** Ends every other connection to the database `times` times, 50 ms apart, while the server stays up. */
async function cutConnections(cluster: PostgresCluster, location: string, times: number): Promise<void> {
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    for (let cut = 0; cut < times; cut++) {
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [new URL(location).pathname.slice(1)],
      );
      await sleep(50);
    }
  } finally {
    await admin.end();
  }
}

async function healthStatus(listener: ListenerProcess): Promise<number | null> {
  try {
    const response = await fetch(listener.healthUrl, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

/**
 * Built listeners on one database of `cluster` take signed events, each to one of them at random, and
 * resend whatever was not answered 200 (as SMTP2Go does) until everything is. Meanwhile the outages
 * come one after another, spread over the run: the server stopped the hard way (immediate shutdown, then
 * crash recovery at start), restarted cleanly, and every listener connection cut with the server up.
 * Right after each outage, everything acknowledged before it must be in the database; in the end every
 * event must be stored exactly once, and the same listeners, never restarted, must answer 200 and report
 * healthy again.
 */
export async function runDatabaseRestart(
  cluster: PostgresCluster,
  options: {
    count: number;
    seed: number;
    listeners: number;
    concurrency: number;
    downMs?: number;
    /** One after another, spread evenly over the run (default: kill, restart, cut). */
    outages?: Array<OutageFigures['how']>;
  },
): Promise<RestartFigures> {
  const location = await cluster.createDatabase();
  const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const listeners = await Promise.all(
    Array.from({ length: options.listeners }, () => spawnListener({ dbPath: location, env })),
  );
  const random = seededRandom(options.seed);
  const events = generateEvents(options.count, { seed: options.seed, runId: options.seed.toString(16) });
  const acked = new Set<string>();
  const statuses = new Map<number, number>();
  const perListener = listeners.map(() => new Map<number, number>());
  const health = new Map<number, number>();
  const outages: OutageFigures[] = [];
  let noAnswer = 0;
  let deliveries = 0;
  let lastOkAt = 0;
  let outage: { startedAt: number; backAt: number | null; figures: OutageFigures } | null = null;
  // Read through a call: TypeScript cannot see the closures below assign it, and narrows it to null.
  const current = () => outage;
  const started = performance.now();

  const count = (map: Map<number, number>, status: number) => map.set(status, (map.get(status) ?? 0) + 1);
  const onAnswer = (event: GeneratedEvent, status: number | null, target: number) => {
    deliveries += 1;
    if (status === null) noAnswer += 1;
    else {
      count(statuses, status);
      count(perListener[target]!, status);
    }
    if (status !== 200) return;
    acked.add(event.id);
    lastOkAt = performance.now();
    if (outage?.backAt != null && outage.figures.firstOkAfterMs === null)
      outage.figures.firstOkAfterMs = Math.round(lastOkAt - outage.backAt);
  };

  const sender = (async () => {
    for (let round = 0; acked.size < events.length && round < 1_000; round++) {
      const todo = events.filter((event) => !acked.has(event.id));
      await sendEvents(
        listeners.map((listener) => listener.url),
        todo,
        {
          secret: WEBHOOK_SECRET,
          concurrency: options.concurrency,
          route: () => Math.floor(random() * listeners.length),
          onAnswer,
        },
      );
      // SMTP2Go waits before it retries; a round of 503s from a stopped server is over in milliseconds.
      if (acked.size < events.length) await sleep(100);
    }
  })();

  const disrupt = async (how: OutageFigures['how'], atShare: number) => {
    while (acked.size < events.length * atShare) await sleep(5);
    const before = new Set(acked);
    const figures: OutageFigures = { how, downMs: 0, lostAcked: 0, firstOkAfterMs: null };
    outage = { startedAt: performance.now(), backAt: null, figures };
    if (how === 'kill') {
      await cluster.kill();
      await sleep(options.downMs ?? 500);
      await cluster.start();
    } else if (how === 'restart') await cluster.restart();
    else await cutConnections(cluster, location, 10);
    outage.backAt = performance.now();
    figures.downMs = Math.round(outage.backAt - outage.startedAt);
    const stored = readStoredIds(location);
    figures.lostAcked = [...before].filter((id) => stored.counts.get(id) !== 1).length;
    outages.push(figures);
  };
  const plan = options.outages ?? ['kill', 'restart', 'cut'];
  const disruptor = (async () => {
    for (const [index, how] of plan.entries()) {
      // Some load between two outages, so each one starts from listeners that have recovered.
      while (current() !== null && current()?.figures.firstOkAfterMs === null) await sleep(5);
      await disrupt(how, (index + 1) / (plan.length + 1));
    }
  })();

  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (current() !== null && current()?.figures.firstOkAfterMs === null)
        for (const status of await Promise.all(listeners.map(healthStatus))) count(health, status ?? 0);
      await sleep(50);
    }
  })();

  let healthyAfterMs: number | null = null;
  let exited = 0;
  try {
    await Promise.all([sender, disruptor]);
    polling = false;
    await poller;
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline) {
      const now = await Promise.all(listeners.map(healthStatus));
      if (now.every((status) => status === 200)) {
        healthyAfterMs = Math.round(performance.now() - lastOkAt);
        break;
      }
      await sleep(50);
    }
    exited = listeners.filter(({ child }) => child.exitCode !== null || child.signalCode !== null).length;
  } finally {
    polling = false;
    await Promise.all(listeners.map((listener) => listener.kill('SIGTERM')));
  }
  const elapsed = performance.now() - started;

  const final = readStoredIds(location);
  const sentIds = new Set(events.map((event) => event.id));
  return {
    seed: options.seed,
    listeners: options.listeners,
    sent: events.length,
    deliveries,
    statuses: statusSummary(statuses),
    perListener: perListener.map(statusSummary),
    noAnswer,
    outages,
    healthDuringOutages: statusSummary(health),
    healthyAfterMs,
    exited,
    finalRows: final.rows,
    duplicateRows: [...final.counts.values()].filter((n) => n > 1).length,
    ackedNotStored: [...acked].filter((id) => !final.counts.has(id)).length,
    missing: [...sentIds].filter((id) => !final.counts.has(id)).length,
    unexpected: [...final.counts.keys()].filter((id) => !sentIds.has(id)).length,
    seconds: Math.round(elapsed / 100) / 10,
  };
}

/** What every database-restart run must show. */
export function expectRecovered(figures: RestartFigures, outages = ['kill', 'restart', 'cut']): void {
  expect(figures.outages.map(({ how }) => how)).toEqual(outages);
  for (const outage of figures.outages) {
    expect(outage.lostAcked).toBe(0);
    // Load was still coming when the server came back, and the same listeners took it.
    expect(outage.firstOkAfterMs).not.toBeNull();
  }
  // The outages were seen (503: SMTP2Go retries) and nothing else went wrong.
  expect(figures.statuses).toMatch(/^200×\d+ 503×\d+$/);
  expect(figures.noAnswer).toBe(0);
  expect(figures.exited).toBe(0);
  expect(figures.healthyAfterMs).not.toBeNull();
  expect(figures.ackedNotStored).toBe(0);
  expect(figures.missing).toBe(0);
  expect(figures.duplicateRows).toBe(0);
  expect(figures.unexpected).toBe(0);
  expect(figures.finalRows).toBe(figures.sent);
}
