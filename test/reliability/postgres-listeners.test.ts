import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { runCrashScenario } from './crash-scenario.js';
import { expectRecovered, runDatabaseRestart } from './database-restart.js';
import { runListenersStorm } from './listeners-storm.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe('three listeners on one PostgreSQL database (fast; 20,000 events in postgres-listeners.rel.test.ts)', () => {
  const database = usePostgresDatabases();

  it('a 2,000-event retry storm split across three listeners at random ends with the rows of a clean in-order SQLite run', async () => {
    const { figures, actual, expected } = await runListenersStorm(await database(), {
      count: 2_000,
      seed: 171,
      listeners: 3,
      concurrency: 24,
    });
    report('postgres-listeners-storm-fast', figures);
    expect(figures.noAnswer).toBe(0);
    for (const statuses of figures.statuses) expect(statuses).toMatch(/^200×\d+$/);
    expect(actual.perType).toEqual(expected.perType);
    expect(actual.events).toEqual(expected.events);
    expect(actual.replies).toEqual(expected.replies);
    expect(actual.recipients).toEqual(expected.recipients);
    expect(figures.sentTogether).toBeGreaterThan(100);
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
});
