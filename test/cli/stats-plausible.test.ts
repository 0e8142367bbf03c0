import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { addPlausibleForwards } from '../../src/store/plausible-forwards.js';
import { runCliInProcess } from '../helpers/run-cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

describe('stats: Plausible forwarding counts (issue 15)', () => {
  const tempDir = useTempDir();

  it('the summary shows forwarded, dropped and failed, as a line and as the plausible object of --json', async () => {
    const path = join(tempDir(), 'portal.db');
    const db = openStore(path);
    const before = await runCliInProcess(['--db', path, 'stats'], { env: { CI: '1', TZ: 'UTC' } });
    expect(before.stdout).not.toContain('Plausible');
    addPlausibleForwards(db, { forwarded: 12, dropped: 3, failed: 1 }, new Date('2026-12-01T10:00:00Z'));
    db.close();
    const human = await runCliInProcess(['--db', path, 'stats'], { env: { CI: '1', TZ: 'UTC' } });
    expect(human.stdout).toContain(
      'Plausible (all time): 12 forwarded, 3 dropped by Plausible as bots, 1 failed',
    );
    const json = await runCliInProcess(['--db', path, '--json', 'stats'], { env: { CI: '1', TZ: 'UTC' } });
    expect((JSON.parse(json.stdout) as { plausible: unknown }).plausible).toEqual({
      forwarded: 12,
      dropped: 3,
      failed: 1,
      last_at: '2026-12-01T10:00:00.000Z',
    });
  });
});
