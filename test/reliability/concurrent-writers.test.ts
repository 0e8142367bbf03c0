import { beforeAll, describe, it } from 'vitest';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { expectExactConcurrentWriters, runConcurrentWriters } from './concurrent-scenario.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe('concurrent writers (fast: 400 events; 20,000 in concurrent-writers.rel.test.ts)', () => {
  it('two built listeners on one store and a stats reader: every delivery 200, counters exact, no lock errors', async () => {
    const figures = await runConcurrentWriters(tempDir(), { count: 400, seed: 51, concurrency: 8 });
    report('concurrent-writers-fast', figures);
    expectExactConcurrentWriters(figures, 0);
  }, 60_000);
});
