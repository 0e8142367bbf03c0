import { describe, expect, it } from 'vitest';
import { createCheckpointer } from '../../../src/webhook/commit/checkpoint.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import { usePostgresDatabases } from '../../helpers/postgres.js';

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

describe('on PostgreSQL: analyze a new database once', () => {
  const databases = usePostgresDatabases();

  it('analyzes the never-analyzed tables once the threshold of committed events is reached, and only once', async () => {
    const store = openStore(await databases());
    try {
      const analyzed = () =>
        store
          .prepare(
            `SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL
               AND relname IN ('email_tracking_events', 'ticket_replies', 'reply_recipients') ORDER BY relname`,
          )
          .pluck()
          .all();
      const committed = createCheckpointer(store, 50, 100);
      committed(99);
      expect(analyzed()).toEqual([]);
      committed(1);
      expect(analyzed()).toEqual(['email_tracking_events', 'reply_recipients', 'ticket_replies']);
      const first = store.prepare('SELECT max(last_analyze)::text FROM pg_stat_user_tables').pluck().get();
      committed(1000);
      expect(store.prepare('SELECT max(last_analyze)::text FROM pg_stat_user_tables').pluck().get()).toBe(
        first,
      );
    } finally {
      store.close();
    }
  });
});
