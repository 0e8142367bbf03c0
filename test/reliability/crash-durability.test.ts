import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { runCrashScenario } from './crash-scenario.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe('crash durability (fast: 2,000 events; the 20,000-event run is crash-durability.rel.test.ts)', () => {
  it('SIGKILL mid-load loses no acknowledged event; a resend completes the store exactly once', async () => {
    const seed = Number(process.env.REL_SEED ?? 20261130);
    const figures = await runCrashScenario(tempDir(), { count: 2_000, seed, concurrency: 32 });
    report('crash-durability-fast', figures);
    expect(figures.ackedBeforeKill).toBeGreaterThanOrEqual(figures.killedAfterAcks);
    expect(figures.lostAcked).toBe(0);
    expect(figures.duplicateRows).toBe(0);
    expect(figures.missing).toBe(0);
    expect(figures.unexpected).toBe(0);
    expect(figures.finalRows).toBe(2_000);
  }, 60_000);
});
