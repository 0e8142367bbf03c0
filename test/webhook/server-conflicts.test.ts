import { describe, expect, it } from 'vitest';
import { storeBackends } from '../helpers/postgres.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, useListeners } from './listener-harness.js';

const tempDir = useTempDir();

describe.each(storeBackends())(
  'webhook listener: a notification id reused by a different event ($name)',
  (backend) => {
    const listen = useListeners(backend.useLocations());

    it('round two #9: stores the second event, and says "conflicts" in the answer and the request log', async () => {
      const { store, post, records } = await listen(tempDir());
      const click = JSON.stringify({
        event: 'click',
        id: 'same-1',
        email_id: 'em-1',
        rcpt: 'user@example.com',
        time: '2026-09-10T08:00:00Z',
        url: 'https://kb.example/1',
      });
      const bounce = JSON.stringify({
        event: 'bounce',
        id: 'same-1',
        email_id: 'em-1',
        rcpt: 'user@example.com',
        time: '2026-09-10T08:01:00Z',
        bounce: 'hard',
      });
      expect((await post(click)).body).toEqual({
        status: 'ok',
        stored: 1,
        duplicates: 0,
        unlinked: 1,
        conflicts: 0,
      });
      expect((await post(bounce)).body).toEqual({
        status: 'ok',
        stored: 1,
        duplicates: 0,
        unlinked: 1,
        conflicts: 1,
      });
      expect((await post(bounce)).body).toEqual({
        status: 'ok',
        stored: 0,
        duplicates: 1,
        unlinked: 0,
        conflicts: 1,
      });
      expect(count(store)).toBe(2);
      expect(records.map((record) => record.events)).toEqual([
        [{ type: 'click', replyId: null, recipient: 'user@example.com', duplicate: false, conflict: false }],
        [{ type: 'bounce', replyId: null, recipient: 'user@example.com', duplicate: false, conflict: true }],
        [{ type: 'bounce', replyId: null, recipient: 'user@example.com', duplicate: true, conflict: true }],
      ]);
    });
  },
);
