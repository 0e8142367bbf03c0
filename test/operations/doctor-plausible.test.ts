import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { runDoctor } from '../../src/operations/doctor.js';
import { plausibleCheck } from '../../src/operations/doctor-plausible.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { addPlausibleForwards } from '../../src/store/plausible-forwards.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import { startRecordingServer } from '../smtp2go/recording-server.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});

describe('doctor: the Plausible check (issue 15)', () => {
  const tempDir = useTempDir();

  function storeWithCounts(): Store {
    const store = openStore(join(tempDir(), 'portal.db'));
    cleanup.push(() => void store.close());
    addPlausibleForwards(store, { forwarded: 40, dropped: 3, failed: 0 }, new Date('2026-12-01T00:00:00Z'));
    addPlausibleForwards(store, { forwarded: 2, dropped: 0, failed: 1 }, new Date('2026-12-02T00:00:00Z'));
    return store;
  }

  it('a Plausible site that answers is ok, with the forwarded, dropped and failed counts', async () => {
    const plausible = await startRecordingServer((_, res) => res.writeHead(200).end('<html></html>'));
    cleanup.push(plausible.close);
    const check = await plausibleCheck(
      { ...DEFAULT_SETTINGS, plausibleUrl: plausible.origin, plausibleDomain: 'portal.example.com' },
      storeWithCounts(),
      1000,
    );
    expect(check).toEqual({
      name: 'plausible',
      status: 'ok',
      fix: null,
      message: `${plausible.origin} answers (200); forwarded 42, dropped by Plausible as bots 3, failed 1 (all time)`,
    });
  });

  it('an unreachable or failing Plausible fails the check; none configured means no check', async () => {
    const down = await plausibleCheck(
      { ...DEFAULT_SETTINGS, plausibleUrl: await closedPortUrl(), plausibleDomain: 'portal.example.com' },
      null,
      1000,
    );
    expect(down).toMatchObject({ name: 'plausible', status: 'fail' });
    expect(down?.message).toMatch(/unreachable/);
    const broken = await startRecordingServer((_, res) => res.writeHead(502).end());
    cleanup.push(broken.close);
    expect(
      await plausibleCheck(
        { ...DEFAULT_SETTINGS, plausibleUrl: broken.origin, plausibleDomain: 'x.example.com' },
        null,
        1000,
      ),
    ).toMatchObject({ status: 'fail', message: `${broken.origin} answered 502` });
    expect(await plausibleCheck(DEFAULT_SETTINGS, null, 1000)).toBeNull();
  });

  it('runDoctor lists the plausible check when plausible_url is set', async () => {
    const plausible = await startRecordingServer((_, res) => res.writeHead(200).end());
    cleanup.push(plausible.close);
    const dbPath = join(tempDir(), 'doctor.db');
    let store: Store | undefined;
    cleanup.push(() => void store?.close());
    const result = await runDoctor(
      { listenerUrl: await closedPortUrl(), timeoutMs: 1000 },
      {
        env: { PORTAL_PLAUSIBLE_URL: plausible.origin, PORTAL_URL: 'https://portal.example.com' },
        dbPath,
        openStore: async () => (store = openStore(dbPath)),
      },
    );
    expect(result.checks.find((check) => check.name === 'plausible')).toMatchObject({
      status: 'ok',
      message: expect.stringContaining('forwarded 0, dropped by Plausible as bots 0, failed 0') as unknown,
    });
  });
});
