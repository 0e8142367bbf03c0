import { isDeepStrictEqual } from 'node:util';
import { expect } from 'vitest';
import { ingestEvents } from '../../src/store/ingest-events.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { parseWebhookBody } from '../../src/webhook/parse-body.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { seededRandom, sendEvents, statusSummary, type GeneratedEvent } from './load-generator.js';
import { spawnListener } from './listener-process.js';
import { planRetryStorm, prepareReplies, wholeRowSnapshot, type StormPlan } from './retry-storm.js';

export interface ListenersStormFigures {
  seed: number;
  listeners: number;
  distinct: number;
  deliveries: number;
  repeated: number;
  /** Notifications whose copies were all sent at the same moment, each to another listener. */
  sentTogether: number;
  /** Per listener, e.g. `200×11234`. */
  statuses: string[];
  noAnswer: number;
  storedRows: number;
  expectedRows: number;
  /** Deadlocks PostgreSQL broke in this database (each one a batch run again), from pg_stat_database. */
  deadlocks: number | null;
  seconds: number;
  deliveriesPerSecond: number;
  equalToCleanRun: boolean;
  /** The first part that differs (replies, recipients, events, perType), when one does. */
  firstDifference: string | null;
}

/**
 * The storm's deliveries in its shuffled order, each to a listener picked at random; for a share of the
 * repeated notifications every copy goes out at once, moved to where the first one was, and to different
 * listeners, so several listeners take the same notification in the same moment.
 */
function spreadStorm(
  plan: StormPlan,
  listeners: number,
  seed: number,
  together = 0.25,
): { deliveries: GeneratedEvent[]; routes: number[]; sentTogether: number } {
  const random = seededRandom(seed);
  const copies = new Map<string, GeneratedEvent[]>();
  for (const delivery of plan.storm) {
    const same = copies.get(delivery.id);
    if (same === undefined) copies.set(delivery.id, [delivery]);
    else same.push(delivery);
  }
  const grouped = new Set<string>();
  for (const [id, same] of copies) if (same.length > 1 && random() < together) grouped.add(id);
  const deliveries: GeneratedEvent[] = [];
  const routes: number[] = [];
  const placed = new Set<string>();
  for (const delivery of plan.storm) {
    if (!grouped.has(delivery.id)) {
      deliveries.push(delivery);
      routes.push(Math.floor(random() * listeners));
    } else if (!placed.has(delivery.id)) {
      placed.add(delivery.id);
      const first = Math.floor(random() * listeners);
      copies.get(delivery.id)!.forEach((copy, k) => {
        deliveries.push(copy);
        routes.push((first + k) % listeners);
      });
    }
  }
  return { deliveries, routes, sentTogether: grouped.size };
}

/** The storm's events each once, in time order, into a fresh SQLite store in memory. */
type StoreRows = ReturnType<typeof wholeRowSnapshot>;

function cleanRun(plan: StormPlan): StoreRows {
  const clean = openStore(':memory:');
  try {
    prepareReplies(clean, plan);
    const receivedAt = new Date('2026-09-10T09:00:00Z');
    for (const event of plan.inOrder)
      ingestEvents(clean, parseWebhookBody(event.body, 'application/json', receivedAt).events, {
        receivedAt,
        source: 'webhook',
      });
    return wholeRowSnapshot(clean);
  } finally {
    clean.close();
  }
}

function deadlockCount(store: Store): number | null {
  try {
    const row = store
      .prepare('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()')
      .get() as { deadlocks: number } | undefined;
    return row?.deadlocks ?? null;
  } catch {
    return null;
  }
}

/**
 * Built listeners (`webhook serve`), all on one store `location` (a PostgreSQL URL), share a retry storm:
 * every delivery to one of them at random, copies of one notification often at the same moment to
 * different ones. The store must end with the same rows as the storm's events sent once, in order, into
 * a fresh SQLite store.
 */
export async function runListenersStorm(
  location: string,
  options: { count: number; seed: number; listeners: number; concurrency: number },
): Promise<{ figures: ListenersStormFigures; actual: StoreRows; expected: StoreRows }> {
  const plan = planRetryStorm(options.count, options.seed);
  const setup = openStore(location);
  let deadlocksBefore: number | null;
  try {
    prepareReplies(setup, plan);
    deadlocksBefore = deadlockCount(setup);
  } finally {
    setup.close();
  }
  const env = { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const listeners = await Promise.all(
    Array.from({ length: options.listeners }, () => spawnListener({ dbPath: location, env })),
  );
  const { deliveries, routes, sentTogether } = spreadStorm(plan, options.listeners, options.seed + 1);
  let outcome;
  try {
    outcome = await sendEvents(
      listeners.map((listener) => listener.url),
      deliveries,
      { secret: WEBHOOK_SECRET, concurrency: options.concurrency, route: (_event, index) => routes[index]! },
    );
  } finally {
    await Promise.all(listeners.map((listener) => listener.kill('SIGTERM')));
  }

  const expected = cleanRun(plan);
  const store = openStore(location);
  let actual;
  let deadlocksAfter;
  try {
    actual = wholeRowSnapshot(store);
    deadlocksAfter = deadlockCount(store);
  } finally {
    store.close();
  }
  const parts = ['replies', 'recipients', 'events', 'perType'] as const;
  // Deep equality, not JSON: the engines list a row's columns in different orders.
  const firstDifference = parts.find((part) => !isDeepStrictEqual(actual[part], expected[part])) ?? null;
  const figures: ListenersStormFigures = {
    seed: options.seed,
    listeners: options.listeners,
    distinct: plan.inOrder.length,
    deliveries: deliveries.length,
    repeated: plan.repeated,
    sentTogether,
    statuses: outcome.targets.map(({ statuses }) => statusSummary(statuses)),
    noAnswer: outcome.errors,
    storedRows: actual.events.length,
    expectedRows: expected.events.length,
    deadlocks: deadlocksBefore === null || deadlocksAfter === null ? null : deadlocksAfter - deadlocksBefore,
    seconds: Math.round(outcome.elapsedMs / 100) / 10,
    deliveriesPerSecond: Math.round(deliveries.length / (outcome.elapsedMs / 1000)),
    equalToCleanRun: firstDifference === null,
    firstDifference,
  };
  return { figures, actual, expected };
}

/** What every storm run must show: each delivery answered 200, and the rows of the clean in-order run. */
export function expectEqualToCleanRun({
  figures,
  actual,
  expected,
}: Awaited<ReturnType<typeof runListenersStorm>>): void {
  expect(figures.noAnswer).toBe(0);
  for (const statuses of figures.statuses) expect(statuses).toMatch(/^200×\d+$/);
  expect(actual.perType).toEqual(expected.perType);
  expect(actual.events).toEqual(expected.events);
  expect(actual.replies).toEqual(expected.replies);
  expect(actual.recipients).toEqual(expected.recipients);
}
