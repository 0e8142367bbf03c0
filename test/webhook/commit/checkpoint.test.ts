import { describe, expect, it } from 'vitest';
import { createCheckpointer } from '../../../src/webhook/commit/checkpoint.js';
import type { Store } from '../../../src/store/open-store.js';

/** Just the part of a store the checkpointer uses: its pragma calls are recorded, or made to fail. */
function fakeStore(fail = false): { store: Store; pragmas: string[] } {
  const pragmas: string[] = [];
  const store = {
    pragma: (text: string) => {
      pragmas.push(text);
      if (fail) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      return [];
    },
  } as unknown as Store;
  return { store, pragmas };
}

describe('checkpoint after answering', () => {
  it('checkpoints passively each time the committed events reach the threshold, then counts again', () => {
    const { store, pragmas } = fakeStore();
    const committed = createCheckpointer(store, 50);
    committed(20);
    committed(29);
    expect(pragmas).toEqual([]);
    committed(1);
    expect(pragmas).toEqual(['wal_checkpoint(PASSIVE)']);
    committed(49);
    expect(pragmas).toHaveLength(1);
    committed(120);
    expect(pragmas).toEqual(['wal_checkpoint(PASSIVE)', 'wal_checkpoint(PASSIVE)']);
  });

  it("a failing checkpoint is not the answered batch's failure: it does not throw, and the count starts again", () => {
    const { store, pragmas } = fakeStore(true);
    const committed = createCheckpointer(store, 10);
    expect(() => committed(10)).not.toThrow();
    committed(9);
    expect(pragmas).toHaveLength(1);
    committed(1);
    expect(pragmas).toHaveLength(2);
  });
});
