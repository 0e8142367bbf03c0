import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { expectCleanFuzz, runFuzz } from './fuzz-harness.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');

describe('fuzz over real HTTP (fast: 2,000 cases; 100,000 in fuzz.rel.test.ts)', () => {
  it('mutated bodies, headers, content types, signed and unsigned: documented statuses only, no unauthenticated event stored', async () => {
    const seed = Number(process.env.REL_SEED ?? 424242);
    const figures = await runFuzz(tempDir(), 2_000, seed);
    report('fuzz-fast', { seed, ...figures });
    expectCleanFuzz(figures);
    expect(figures.statuses['200']).toBeGreaterThan(50);
  }, 60_000);
});
