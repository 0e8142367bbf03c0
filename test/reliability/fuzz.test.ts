import { describe, expect, it } from 'vitest';
import { useTempDir } from '../helpers/temp-dir.js';
import { runFuzz } from './fuzz-harness.js';
import { report } from './store-probe.js';

const tempDir = useTempDir('smtp2go-rel-');

describe('fuzz over real HTTP (fast: 2,000 cases; 100,000 in fuzz.rel.test.ts)', () => {
  it('mutated bodies, headers, content types, signed and unsigned: documented statuses only, no unauthenticated event stored', async () => {
    const seed = Number(process.env.REL_SEED ?? 424242);
    const figures = await runFuzz(tempDir(), 2_000, seed);
    report('fuzz-fast', { seed, ...figures });
    expect(figures.examples).toEqual([]);
    expect(figures.undocumented).toBe(0);
    expect(figures.unexpected5xx).toBe(0);
    expect(figures.unauthenticated200).toBe(0);
    expect(figures.wrongStatus).toBe(0);
    expect(figures.noAnswer).toBe(0);
    expect(figures.rowsStored).toBe(figures.rowsAcknowledged);
    expect(figures.healthAfter).toBe(200);
    expect(figures.statuses['200']).toBeGreaterThan(50);
    expect(figures.statuses['503']).toBe(figures.faultsInjected);
  }, 60_000);
});
