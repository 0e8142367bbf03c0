import { describe, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { expectCleanFuzz, runFuzz } from './fuzz-harness.js';
import { report } from './store-probe.js';
import { SLOW } from './slow-gate.js';

const tempDir = useTempDir('smtp2go-rel-');

describe.skipIf(!SLOW)('fuzz over real HTTP: 100,000 cases', () => {
  it('mutated bodies, headers, content types, signed and unsigned: documented statuses only, 5xx only for injected faults, no unauthenticated event stored', async () => {
    const seed = Number(process.env.REL_SEED ?? Date.now() % 1_000_000);
    const figures = await runFuzz(tempDir(), 100_000, seed);
    report('fuzz', { seed, ...figures });
    expectCleanFuzz(figures);
  });
});
