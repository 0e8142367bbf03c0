import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { API_KEY } from '../helpers/constants.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { activityRoute, NOW, row, sentReply } from '../operations/reconcile-harness.js';
import { apiError, startFakeManagementApi, type FakeManagementApi } from '../smtp2go/fake-management-api.js';

const E1 = '1u0SwL-B9zBpi9ffUq-JAB2';
let api: FakeManagementApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

// These run through the real listener code (normaliser + ingest, issue 4); until it is in the tree the
// command exits 1 saying so, which the last test checks instead.

describe('reconcile command', () => {
  const tempDir = useTempDir();
  const setup = async (pages: Record<string, unknown[][]>) => {
    const dbPath = join(tempDir(), 'portal.db');
    const store = openStore(dbPath);
    const replyId = sentReply(store, E1, '2026-09-10T08:00:00Z');
    store.close();
    api = await startFakeManagementApi({ '/activity/search': activityRoute(pages) });
    return {
      replyId,
      dbPath,
      env: { CI: '1', SMTP2GO_PORTAL_DB: dbPath, SMTP2GO_API_URL: api.url, SMTP2GO_API_KEY: API_KEY },
    };
  };

  it('stores what was missing through the listener code, prints it, and a second run finds nothing', async () => {
    const { replyId, dbPath, env } = await setup({
      [E1]: [[row(E1, 'delivered', '2026-09-10T08:00:03Z')], [row(E1, 'opened', '2026-09-10T09:00:00Z')]],
    });
    const first = await runCliInProcess(['reconcile', '--since', '7d'], { env, now: () => NOW });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`reply ${replyId} (${E1}): 2 event(s) at SMTP2Go, filled 2`);
    expect(first.stdout).toMatch(/2026-09-10T09:00:00\.000Z\s+open\s+bob@example\.org/);
    const store = openStore(dbPath);
    const stored = store
      .prepare(`SELECT event_type, source, reply_id FROM email_tracking_events ORDER BY occurred_at`)
      .all();
    const reply = store
      .prepare('SELECT delivered_at, opened_at FROM ticket_replies WHERE id = ?')
      .get(replyId) as { delivered_at: string | null; opened_at: string | null };
    store.close();
    expect(stored).toEqual([
      { event_type: 'delivered', source: 'reconcile', reply_id: replyId },
      { event_type: 'open', source: 'reconcile', reply_id: replyId },
    ]);
    expect(reply.opened_at).toBe('2026-09-10T09:00:00.000Z');
    const second = await runCliInProcess(['reconcile', '--reply', String(replyId), '--json'], {
      env,
      now: () => NOW,
    });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({
      version: 1,
      dry_run: false,
      replies: [{ reply_id: replyId, fetched: 2, filled: [], error: null }],
    });
  });

  it('--dry-run --json lists what would be filled; an API failure exits 1 with the document', async () => {
    const { env } = await setup({ [E1]: [[row(E1, 'hard-bounced', '2026-09-10T08:00:05Z')]] });
    const dry = await runCliInProcess(['reconcile', '--dry-run', '--json', '--since', '2026-09-01'], {
      env,
      now: () => NOW,
    });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      since: '2026-09-01T00:00:00.000Z',
      dry_run: true,
      replies: [{ filled: [{ type: 'bounce', recipient: 'bob@example.org' }] }],
    });
    await api?.close();
    api = await startFakeManagementApi({
      '/activity/search': () =>
        apiError(
          403,
          'E_ApiResponseCodes.ENDPOINT_PERMISSION_DENIED',
          'You do not have permission to access this API endpoint',
        ),
    });
    const failed = await runCliInProcess(['reconcile', '--json'], {
      env: { ...env, SMTP2GO_API_URL: api.url },
      now: () => NOW,
    });
    expect(failed.code).toBe(1);
    const doc = JSON.parse(failed.stdout) as { replies: Array<{ error: string }> };
    expect(doc.replies[0]?.error).toMatch(/permission/);
  });

  it.each([
    [['reconcile', '--since', 'yesterday'], /--since "yesterday" is not a time/],
    [['reconcile', '--reply', 'abc'], /--reply must be a reply id/],
  ])('%j exits 2', async (args, message) => {
    const result = await runCliInProcess(args, {
      env: { CI: '1', SMTP2GO_PORTAL_DB: join(tempDir(), 'portal.db'), SMTP2GO_API_KEY: API_KEY },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
