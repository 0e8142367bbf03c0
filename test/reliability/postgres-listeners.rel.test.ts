import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type PostgresCluster } from '../helpers/postgres-cluster.js';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { runCrashScenario } from './crash-scenario.js';
import { expectRecovered, runDatabaseRestart } from './database-restart.js';
import { expectEqualToCleanRun, runListenersStorm } from './listeners-storm.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe.skipIf(!SLOW)('three built listeners on one PostgreSQL database', () => {
  const database = usePostgresDatabases();

  it('a 20,000-event retry storm split across the three at random ends with the rows of a clean in-order SQLite run', async () => {
    const storm = await runListenersStorm(await database(), {
      count: 20_000,
      seed: Number(process.env.REL_SEED ?? 1717),
      listeners: 3,
      concurrency: 48,
    });
    report('postgres-listeners-storm', storm.figures);
    expectEqualToCleanRun(storm);
  });

  // Three kills at different moments; REL_SEED replays a given run.
  const base = Number(process.env.REL_SEED ?? Date.now() % 1_000_000);
  it.each([0, 1, 2])(
    'kill -9 of one of the three under 20,000 events (run %i): no acknowledged event lost, the other two answer 200',
    async (offset) => {
      const figures = await runCrashScenario(tempDir(), {
        count: 20_000,
        seed: base + offset,
        concurrency: 48,
        location: await database(),
        listeners: 3,
      });
      report('postgres-listeners-crash', figures);
      expect(figures.lostAcked).toBe(0);
      for (const statuses of figures.survivors ?? ['none']) expect(statuses).toMatch(/^200×\d+$/);
      expect(figures.duplicateRows).toBe(0);
      expect(figures.missing).toBe(0);
      expect(figures.unexpected).toBe(0);
      expect(figures.finalRows).toBe(20_000);
    },
  );
});

describe.skipIf(!SLOW)('the database stopped under three listeners (a cluster of its own)', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(() => cluster?.stop());

  it('20,000 events through an immediate stop, a clean restart and cut connections: 503s, never a 200 for an unstored event, the same listeners recover', async () => {
    const figures = await runDatabaseRestart(cluster, {
      count: 20_000,
      seed: Number(process.env.REL_SEED ?? 1718),
      listeners: 3,
      concurrency: 48,
    });
    report('postgres-database-restart', figures);
    expectRecovered(figures);
  });
});
