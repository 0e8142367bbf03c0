import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/open-store.js';
import { startThreadCommitter } from '../../../src/webhook/commit/thread-committer.js';
import { parseWebhookBody } from '../../../src/webhook/parse-body.js';
import { useTempDir } from '../../helpers/temp-dir.js';
import { COMMIT_THREAD_URL } from '../listener-harness.js';

const tempDir = useTempDir();
const delivered = (i: number) =>
  parseWebhookBody(
    JSON.stringify({
      id: i.toString(16).padStart(32, '0'),
      event: 'delivered',
      email_id: 'em-1',
      rcpt: `u${i}@example.com`,
    }),
    'application/json',
    new Date(),
  ).events;

describe('the commit thread under a flood of first-party hits (issue 15)', () => {
  it('bench finding: a webhook waiting behind hundreds of queued tracking hits goes into the next commit, not after all of them', async () => {
    const dbPath = join(tempDir(), 'portal.db');
    openStore(dbPath).close();
    const committer = await startThreadCommitter({ dbPath, workerUrl: COMMIT_THREAD_URL });
    try {
      const order: string[] = [];
      // As the tracking routes submit them: one hit per request, source first_party.
      const hits = Array.from({ length: 600 }, (_, i) =>
        committer
          .submit(
            delivered(i).map((e) => ({ ...e, source: 'first_party' as const })),
            new Date(),
          )
          .then(() => order.push('hit')),
      );
      const webhook = committer.submit(delivered(10_000), new Date()).then(() => order.push('webhook'));
      await Promise.all([...hits, webhook]);
      // The first hit went alone (the thread was idle); the webhook joins the very next batch.
      expect(order.indexOf('webhook')).toBeLessThan(100);
    } finally {
      await committer.close();
    }
    const store = openStore(dbPath);
    try {
      expect(
        store
          .prepare('SELECT source, COUNT(*) AS n FROM email_tracking_events GROUP BY source ORDER BY source')
          .all(),
      ).toEqual([
        { source: 'first_party', n: 600 },
        { source: 'webhook', n: 1 },
      ]);
    } finally {
      store.close();
    }
  });
});
