import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { startCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { runCrashScenario } from './crash-scenario.js';
import { expectRecovered, runDatabaseRestart } from './database-restart.js';
import { spawnListener } from './listener-process.js';
import { expectEqualToCleanRun, runListenersStorm } from './listeners-storm.js';
import { generateEvents, sendEvents, statusSummary } from './load-generator.js';
import { readStoredIds, report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe('three listeners on one PostgreSQL database (fast; 20,000 events in postgres-listeners.rel.test.ts)', () => {
  const database = usePostgresDatabases();

  it('a 2,000-event retry storm split across three listeners at random ends with the rows of a clean in-order SQLite run', async () => {
    const storm = await runListenersStorm(await database(), {
      count: 2_000,
      seed: 171,
      listeners: 3,
      concurrency: 24,
    });
    report('postgres-listeners-storm-fast', storm.figures);
    expectEqualToCleanRun(storm);
    expect(storm.figures.sentTogether).toBeGreaterThan(100);
  }, 60_000);

  it('kill -9 of one of three listeners under load loses no acknowledged event; the other two answer every request 200', async () => {
    const figures = await runCrashScenario(tempDir(), {
      count: 2_000,
      seed: 20261717,
      concurrency: 24,
      location: await database(),
      listeners: 3,
    });
    report('postgres-listeners-crash-fast', figures);
    expect(figures.ackedBeforeKill).toBeGreaterThanOrEqual(figures.killedAfterAcks);
    expect(figures.lostAcked).toBe(0);
    for (const statuses of figures.survivors ?? ['none']) expect(statuses).toMatch(/^200×\d+$/);
    expect(figures.duplicateRows).toBe(0);
    expect(figures.missing).toBe(0);
    expect(figures.unexpected).toBe(0);
    expect(figures.finalRows).toBe(2_000);
  }, 60_000);
});

describe('the database stopped under the listeners (fast; their own cluster, so no other test loses its database)', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster?.stop());

  it('an immediate stop, a clean restart and cut connections under three listeners give 503s, never a 200 for an unstored event, and the same listeners answer 200 and are healthy again', async () => {
    const figures = await runDatabaseRestart(cluster, {
      count: 2_000,
      seed: 20261718,
      listeners: 3,
      concurrency: 24,
    });
    report('postgres-database-restart-fast', figures);
    expectRecovered(figures);
  }, 60_000);

  it('issue 17: after the database comes back, /healthz answers 200 again by itself, with no webhook arriving to commit', async () => {
    const location = await cluster.createDatabase();
    const listener = await spawnListener({
      dbPath: location,
      env: { SMTP2GO_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    const health = async () => (await fetch(listener.healthUrl)).status;
    const events = generateEvents(30, { seed: 1717 });
    const send = async (some: typeof events) =>
      statusSummary(
        (await sendEvents(listener.url, some, { secret: WEBHOOK_SECRET, concurrency: 4 })).statuses,
      );
    try {
      expect(await send(events.slice(0, 10))).toBe('200×10');
      await cluster.kill();
      expect(await send(events.slice(10, 20))).toBe('503×10');
      expect(await health()).toBe(503);
      await cluster.start();
      // A monitor polling every 100 ms: back to 200 within five seconds, before any webhook.
      let healthyAfter: number | null = null;
      for (let poll = 1; poll <= 50 && healthyAfter === null; poll++) {
        if ((await health()) === 200) healthyAfter = poll;
        else await sleep(100);
      }
      report('postgres-health-recovers', { healthyAfterPolls: healthyAfter });
      expect(healthyAfter).not.toBeNull();
      expect(await send(events.slice(20))).toBe('200×10');
      expect(readStoredIds(location).rows).toBe(20);
    } finally {
      await listener.kill();
    }
  });
});
