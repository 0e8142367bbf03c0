import { afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { storeBackends, type StoreBackend } from './postgres.js';

/**
 * Call inside a describe: each call of the returned function opens a fresh, migrated store on `backend`
 * (a SQLite file in a temp folder, or a new PostgreSQL database), closed after the test.
 */
export function useBackendStores(backend: StoreBackend): () => Promise<Store> {
  const location = backend.useLocations();
  const stores: Store[] = [];
  afterEach(() => {
    for (const db of stores.splice(0)) db.close();
  });
  return async () => {
    const db = openStore(await location());
    stores.push(db);
    return db;
  };
}

/** One fresh store on each backend, for tests that run the same thing on both and compare what comes out. */
export function useStorePairs(): () => Promise<Record<StoreBackend['name'], Store>> {
  const [sqlite, postgres] = storeBackends().map(useBackendStores) as [
    () => Promise<Store>,
    () => Promise<Store>,
  ];
  return async () => ({ sqlite: await sqlite(), postgres: await postgres() });
}
