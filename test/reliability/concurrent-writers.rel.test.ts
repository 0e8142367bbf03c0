import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { runConcurrentWriters } from './concurrent-scenario.js';
import { assertBuilt } from './listener-process.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe.skipIf(!SLOW)('concurrent writers: two built listeners on one store file and stats in a loop', () => {
  it('a 20,000-event retry storm split across both: every delivery 200, counters equal a clean run, no lock errors', async () => {
    const figures = await runConcurrentWriters(tempDir(), { count: 20_000, seed: Number(process.env.REL_SEED ?? 52), concurrency: 32 });
    report('concurrent-writers', figures);
    expect(figures.noAnswer).toBe(0);
    expect(figures.statusesA).toMatch(/^200×\d+$/);
    expect(figures.statusesB).toMatch(/^200×\d+$/);
    expect(figures.statsRuns).toBeGreaterThan(5);
    expect(figures.statsFailures).toBe(0);
    expect(figures.lockedMessages).toBe(0);
    expect(figures.storedRows).toBe(figures.expectedRows);
    expect(figures.equalToCleanRun).toBe(true);
  });
});
