import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDataThread, type DataThread } from '../../src/cli/commands/dashboard/data-thread.js';
import { createDashboardData } from '../../src/cli/commands/dashboard/data.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { deliveredAndOpened, multiWithBounce } from '../operations/stats-stores.js';

// The compiled worker: a thread cannot load the TypeScript sources (npm test builds first).
const WORKER = new URL('../../dist/cli/commands/dashboard/data-worker.js', import.meta.url);
const tempDir = useTempDir();
const opened: Array<{ store: Store; thread: DataThread }> = [];
afterEach(async () => {
  for (const { store, thread } of opened.splice(0)) {
    await thread.close();
    store.close();
  }
});

function start() {
  const dbPath = join(tempDir(), 'portal.db');
  const store = openStore(dbPath);
  deliveredAndOpened(store);
  multiWithBounce(store);
  const local = createDashboardData({ store, now: () => new Date(), timeZone: 'UTC' });
  const thread = startDataThread(local, { dbPath, timeZone: 'UTC' }, WORKER);
  opened.push({ store, thread });
  return { local, thread };
}

describe('dashboard data thread', () => {
  it("answers what the caller's own connection answers, from a thread with its own connection", async () => {
    const { local, thread } = start();
    expect(thread.data.replies).not.toBe(local.replies);
    const query = new URLSearchParams('by=domain');
    expect(await thread.data.summary(query)).toEqual(await local.summary(query));
    expect(await thread.data.replies(new URLSearchParams('recipient=example.org'))).toEqual(
      await local.replies(new URLSearchParams('recipient=example.org')),
    );
    expect(await thread.data.reply(2)).toEqual(await local.reply(2));
    expect(await thread.data.activity(new URLSearchParams())).toEqual(
      await local.activity(new URLSearchParams()),
    );
  });

  it('passes usage and not-found errors back as the same PortalErrors, so the API answers 400 and 404', async () => {
    const { thread } = start();
    await expect(thread.data.reply(999)).rejects.toMatchObject({
      name: 'PortalError',
      code: 'not_found',
      message: 'reply 999 not found',
      hint: expect.any(String),
    });
    await expect(thread.data.summary(new URLSearchParams('by=week'))).rejects.toMatchObject({
      code: 'usage',
    });
  });

  it('starts another thread after one stops, failing only what the stopped one held', async () => {
    const { thread } = start();
    expect(await thread.data.summary(new URLSearchParams())).toMatchObject({ total: { replies: 2 } });
    await thread.close();
    expect(await thread.data.summary(new URLSearchParams())).toMatchObject({ total: { replies: 2 } });
  });
});
