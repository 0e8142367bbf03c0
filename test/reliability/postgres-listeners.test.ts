import { beforeAll, describe, expect, it } from 'vitest';
import { usePostgresDatabases } from '../helpers/postgres.js';
import { assertBuilt } from '../helpers/run-binary.js';
import { runListenersStorm } from './listeners-storm.js';
import { report } from './store-probe.js';

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
});
