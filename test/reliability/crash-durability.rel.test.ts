import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../helpers/run-binary.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { runCrashScenario } from './crash-scenario.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');
beforeAll(assertBuilt);

describe.skipIf(!SLOW)(
  'crash durability: 20,000 signed events, SIGKILL at a random moment, restart, resend',
  () => {
    // Three kills at different moments; REL_SEED replays a given run.
    const base = Number(process.env.REL_SEED ?? Date.now() % 1_000_000);
    it.each([0, 1, 2])('run %i', async (offset) => {
      const figures = await runCrashScenario(tempDir(), {
        count: 20_000,
        seed: base + offset,
        concurrency: 64,
      });
      report('crash-durability', figures);
      expect(figures.lostAcked).toBe(0);
      expect(figures.duplicateRows).toBe(0);
      expect(figures.missing).toBe(0);
      expect(figures.unexpected).toBe(0);
      expect(figures.finalRows).toBe(20_000);
    });
  },
);
