import { beforeAll, describe, it } from 'vitest';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { expectExactConcurrentWriters, runConcurrentWriters } from './concurrent-scenario.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe.skipIf(!SLOW)(
  'concurrent writers: two built listeners on one store file and stats in a loop',
  () => {
    it('a 20,000-event retry storm split across both: every delivery 200, counters equal a clean run, no lock errors', async () => {
      const figures = await runConcurrentWriters(tempDir(), {
        count: 20_000,
        seed: Number(process.env.REL_SEED ?? 52),
        concurrency: 32,
      });
      report('concurrent-writers', figures);
      expectExactConcurrentWriters(figures, 5);
    });
  },
);
