import { join } from 'node:path';
import { afterEach } from 'vitest';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import {
  runSendTest,
  SendFailedError,
  type SendTestDeps,
  type SendTestOptions,
  type SendTestResult,
} from '../../src/operations/send-test.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { getReply, type ReplyRow } from '../../src/store/replies.js';
import { listRecipientStatuses } from '../../src/store/reply-sends.js';
import { listSendAttempts, type SendAttemptRow } from '../../src/store/send-attempts.js';
import { API_KEY } from '../helpers/constants.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay, type FakeRelay, type FakeRelayOptions } from '../mail/fake-relay.js';
import {
  fakeClock,
  startFakeSmtp2go,
  type FakeSmtp2go,
  type ReceivedRequest,
  type Reply,
} from '../smtp2go/fake-smtp2go.js';

export const TRACKING_ID = 'trk_TEST-0123456789abcdef';
export const NOW = new Date('2026-11-24T10:00:00.000Z');

export interface Harness {
  db: Store;
  api: FakeSmtp2go | null;
  relay: FakeRelay | null;
  clock: ReturnType<typeof fakeClock>;
  settings: Settings;
  send(
    options: Partial<SendTestOptions>,
    extraDeps?: Partial<SendTestDeps>,
  ): Promise<{ result: SendTestResult; error: SendFailedError | null }>;
  reply(id: number): ReplyRow;
  attempts(id: number): SendAttemptRow[];
  recipients(id: number): ReturnType<typeof listRecipientStatuses>;
  /** Everything stored, as text: for "the key never appears" checks. */
  dump(): string;
}

/** Per test: a real SQLite file, a fake SMTP2Go API and a real SMTP server, all closed afterwards. */
export function useSendHarness() {
  const tempDir = useTempDir();
  const open: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  return async (setup: {
    api?: Reply[] | null;
    relay?: FakeRelayOptions | null;
    settings?: Partial<Settings>;
    onRequest?: (request: ReceivedRequest, db: Store) => void;
  }): Promise<Harness> => {
    const db = openStore(join(tempDir(), 'portal.db'));
    open.push(() => {
      db.close();
    });
    const api =
      setup.api === null || setup.api === undefined
        ? null
        : await startFakeSmtp2go(setup.api, (request) => setup.onRequest?.(request, db));
    if (api !== null) open.push(() => api.close());
    const relay = setup.relay === null ? null : await startFakeRelay(setup.relay ?? {});
    if (relay !== null) open.push(() => relay.close());
    const settings: Settings = {
      ...DEFAULT_SETTINGS,
      enabled: true,
      apiKey: API_KEY,
      apiUrl: api?.url ?? 'http://127.0.0.1:9/v3',
      sender: 'Help Desk <help@example.com>',
      smtpHost: relay?.host ?? null,
      smtpPort: relay?.port ?? 2525,
      portalUrl: 'https://portal.example.com/app',
      // These tests are about routing one message; first-party tracking (one copy per recipient) opts in.
      firstPartyTracking: 'off',
      ...setup.settings,
    };
    const clock = fakeClock();
    let sends = 0;
    const newTrackingId = () => (sends++ === 0 ? TRACKING_ID : `${TRACKING_ID}-${sends}`);
    return {
      db,
      api,
      relay,
      clock,
      settings,
      async send(options, extraDeps = {}) {
        const deps = {
          store: db,
          settings,
          now: () => NOW,
          clock,
          newTrackingId,
          relayTls: { rejectUnauthorized: false },
          ...extraDeps,
        };
        try {
          return {
            result: await runSendTest({ to: ['john@example.com'], timeoutMs: 2_000, ...options }, deps),
            error: null,
          };
        } catch (error) {
          if (error instanceof SendFailedError) return { result: error.result, error };
          throw error;
        }
      },
      reply: (id) => getReply(db, id) as ReplyRow,
      attempts: (id) => listSendAttempts(db, id),
      recipients: (id) => listRecipientStatuses(db, id),
      dump: () =>
        JSON.stringify([
          db.prepare('SELECT * FROM ticket_replies').all(),
          db.prepare('SELECT * FROM reply_recipients').all(),
          db.prepare('SELECT * FROM send_attempts').all(),
        ]),
    };
  };
}
