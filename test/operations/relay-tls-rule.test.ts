import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { relayTlsRule } from '../../src/mail/smtp-relay.js';
import { runDoctor, type DoctorCheck } from '../../src/operations/doctor.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { startFakeRelay, type FakeRelay, type FakeRelayOptions } from '../mail/fake-relay.js';
import { SMTP_PASSWORD } from '../helpers/constants.js';
import { useSendHarness } from './send-test-harness.js';

// One TLS rule for the relay, shared by send-test and doctor: credentials travel only over TLS (implicit,
// or STARTTLS required) unless the relay is on the loopback interface; without credentials plain is fine.
// The tests run on loopback, so "off loopback" is either the injected decision or, where this machine has
// one, a real non-loopback address of its own.

const tempDir = useTempDir('smtp2go-relay-tls-');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0)) await close();
});
const harness = useSendHarness();

const USER = 'relay-user';
const outsideAddress = (() => {
  for (const addresses of Object.values(networkInterfaces()))
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
})();

async function relay(options: FakeRelayOptions): Promise<FakeRelay> {
  const server = await startFakeRelay(options);
  cleanup.push(() => server.close());
  return server;
}

async function doctorRelayCheck(
  server: { host: string; port: number },
  env: Record<string, string>,
  isLoopback?: (host: string) => boolean,
): Promise<DoctorCheck> {
  const listener = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  const dbPath = join(tempDir(), 'portal.db');
  let store: Store | undefined;
  cleanup.push(() => {
    store?.close();
  });
  const result = await runDoctor(
    { listenerUrl: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/healthz`, timeoutMs: 2_000 },
    {
      env: { SMTP_HOST: server.host, SMTP_PORT: String(server.port), ...env },
      dbPath,
      openStore: async () => (store = openStore(dbPath)),
      relayTls: { rejectUnauthorized: false },
      ...(isLoopback === undefined ? {} : { relayIsLoopback: isLoopback }),
    },
  );
  return result.checks.find((check) => check.name === 'smtp-relay') as DoctorCheck;
}

const credentials = { SMTP_USER: USER, SMTP_PASSWORD };
const offLoopback = () => false;

describe('round two #19: one relay TLS rule for send-test and doctor', () => {
  it('round two #19: the rule, decided from the host unless a test gives it', () => {
    const mode = (host: string, user: string | null, secure = false, loopback?: boolean) =>
      relayTlsRule({ host, user, secure, ...(loopback === undefined ? {} : { loopback }) }).mode;
    expect(mode('mail.smtp2go.com', 'u')).toBe('starttls-required');
    expect(mode('mail.smtp2go.com', 'u', true)).toBe('implicit');
    expect(mode('mail.smtp2go.com', null)).toBe('starttls-if-offered');
    for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', 'LOCALHOST.', '::1', '[::1]'])
      expect(mode(host, 'u'), host).toBe('starttls-if-offered');
    for (const host of ['128.0.0.1', '127.0.0.1.example.com', 'localhost.example.com', '::2', '10.0.0.1'])
      expect(mode(host, 'u'), host).toBe('starttls-required');
    expect(mode('127.0.0.1', 'u', false, false)).toBe('starttls-required');
  });

  it('round two #19: credentials for a relay off loopback that offers no STARTTLS are never sent, by send-test or by doctor', async () => {
    const h = await harness({
      api: null,
      relay: { auth: { user: USER, pass: SMTP_PASSWORD }, starttls: false },
      settings: { enabled: false, smtpUser: USER, smtpPassword: SMTP_PASSWORD },
    });
    const { result, error } = await h.send({ transport: 'smtp' }, { relayIsLoopback: offLoopback });
    expect(error).not.toBeNull();
    expect(result.attempts).toMatchObject([{ transport: 'smtp', ok: false, error_class: 'smtp_tls' }]);
    const check = await doctorRelayCheck(h.relay as FakeRelay, credentials, offLoopback);
    expect(check).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/STARTTLS required.*TLS failed/),
      fix: expect.stringMatching(/--smtp-secure|STARTTLS/),
    });
    expect(h.relay?.authAttempts).toEqual([]);
    expect(h.relay?.mails).toEqual([]);
  });

  it('round two #19: a healthy loopback relay without authentication or STARTTLS: send-test delivers and doctor passes it, saying plain SMTP is allowed', async () => {
    const h = await harness({ api: null, relay: { starttls: false }, settings: { enabled: false } });
    const { error } = await h.send({ transport: 'smtp' });
    expect(error).toBeNull();
    expect(h.relay?.mails).toHaveLength(1);
    const check = await doctorRelayCheck(h.relay as FakeRelay, {});
    expect(check).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/no credentials, so plain SMTP is allowed/),
    });
  });

  it('round two #19: credentials on loopback may go without TLS, and doctor says that is why', async () => {
    const server = await relay({ auth: { user: USER, pass: SMTP_PASSWORD }, starttls: false });
    const check = await doctorRelayCheck(server, credentials);
    expect(check).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/loopback.*credentials accepted/),
    });
    expect(server.authAttempts).toEqual([{ user: USER, ok: true }]);
  });

  it('round two #19: off loopback with STARTTLS offered, the credentials go over TLS and doctor names the rule', async () => {
    const h = await harness({
      api: null,
      relay: { auth: { user: USER, pass: SMTP_PASSWORD }, starttls: true },
      settings: { enabled: false, smtpUser: USER, smtpPassword: SMTP_PASSWORD },
    });
    const { error } = await h.send({ transport: 'smtp' }, { relayIsLoopback: offLoopback });
    expect(error).toBeNull();
    expect(h.relay?.mails[0]).toMatchObject({ secure: true, user: USER });
    const check = await doctorRelayCheck(h.relay as FakeRelay, credentials, offLoopback);
    expect(check).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/STARTTLS required.*credentials accepted/),
    });
  });

  it.skipIf(outsideAddress === null)(
    'round two #19: through a real non-loopback address of this machine, no STARTTLS means no credentials',
    async () => {
      const server = await relay({
        auth: { user: USER, pass: SMTP_PASSWORD },
        starttls: false,
        listenHost: '0.0.0.0',
      });
      const h = await harness({
        api: null,
        relay: null,
        settings: {
          enabled: false,
          smtpHost: outsideAddress as string,
          smtpPort: server.port,
          smtpUser: USER,
          smtpPassword: SMTP_PASSWORD,
        },
      });
      const { result } = await h.send({ transport: 'smtp' });
      expect(result.attempts).toMatchObject([{ transport: 'smtp', ok: false, error_class: 'smtp_tls' }]);
      const check = await doctorRelayCheck(
        { host: outsideAddress as string, port: server.port },
        credentials,
      );
      expect(check.status).toBe('fail');
      expect(server.authAttempts).toEqual([]);
      expect(server.mails).toEqual([]);
    },
  );
});
