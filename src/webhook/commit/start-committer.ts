import { ingestEvents, ingestEventsInTransaction } from '../../store/ingest-events.js';
import { storeDialect, storeLocation, type Store } from '../../store/open-store.js';
import type { WebhookServerOptions } from '../server.js';
import { storeFileMoved, type StoreFileIdentity } from '../store-health.js';
import type { GroupCommitter } from './commit-batch.js';
import { createInProcessCommitter } from './in-process-committer.js';
import { startThreadCommitter } from './thread-committer.js';

type CommitterOptions = Pick<
  WebhookServerOptions,
  'commitThread' | 'busyTimeoutMs' | 'ingest' | 'groupCommit'
>;

/**
 * The listener's committer: on a thread of its own (the default, what `webhook serve` runs), or on the event
 * loop where a thread cannot be used (a memory store, an injected ingest, `commitThread: false`). Either one
 * first checks, once per batch, that the store's path still names the file `opened`.
 */
export async function startCommitter(
  store: Store,
  options: CommitterOptions,
  opened: StoreFileIdentity | null,
): Promise<GroupCommitter> {
  const busyTimeoutMs =
    options.busyTimeoutMs === undefined ? undefined : Math.max(0, Math.floor(options.busyTimeoutMs));
  const thread = options.commitThread ?? options.ingest === undefined;
  if (thread === false || store.memory) {
    if (busyTimeoutMs !== undefined && storeDialect(store) === 'sqlite')
      store.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const ingest =
      options.ingest === undefined
        ? { ingest: ingestEvents, inTransaction: ingestEventsInTransaction }
        : { ingest: options.ingest };
    const checkStore = opened === null ? undefined : () => storeFileMoved(store.name, opened);
    return createInProcessCommitter(store, {
      ...ingest,
      ...options.groupCommit,
      ...(checkStore === undefined ? {} : { checkStore }),
    });
  }
  return startThreadCommitter({
    dbPath: storeLocation(store),
    opened,
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    ...options.groupCommit,
    ...(typeof thread === 'object' && thread.workerUrl !== undefined ? { workerUrl: thread.workerUrl } : {}),
  });
}
