import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { useTempDir } from './temp-dir.js';

/** A fresh store file in its own temp folder per call; closed, and the folder removed, after the test. */
export function useTempStores(prefix?: string): () => Store {
  const tempDir = useTempDir(prefix);
  const stores: Store[] = [];
  afterEach(() => {
    for (const db of stores.splice(0)) db.close();
  });
  return () => {
    const db = openStore(join(tempDir(), 'portal.db'));
    stores.push(db);
    return db;
  };
}
