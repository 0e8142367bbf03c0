import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, NotFoundError, UsageError } from '../../src/core/errors.js';
import { DEFAULT_SETTINGS, type Settings } from '../../src/core/settings.js';
import {
  deliveryFailure,
  runWebhookTrigger,
  type WebhookTriggerDeps,
  type WebhookTriggerOptions,
} from '../../src/operations/webhook-trigger.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createReply, getReply } from '../../src/store/replies.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { DEMO_SUBJECT } from '../../src/operations/webhook-trigger/target.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { closedPortUrl } from '../smtp2go/fake-smtp2go.js';
import { COMMIT_THREAD } from '../webhook/listener-harness.js';

const NOW = new Date('2026-09-10T09:00:00.000Z');
const SETTINGS: Settings = { ...DEFAULT_SETTINGS, webhookSecret: WEBHOOK_SECRET };

/** Seeded bytes: the same seed gives the same notification id, which is how a retried event looks. */
function seeded(seed: number): (size: number) => Buffer {
  let n = seed;
  return (size) => Buffer.from(Array.from({ length: size }, () => (n = (n * 31 + 17) % 251)));
}

const tempDir = useTempDir();
const stores: Store[] = [];
const servers: WebhookServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const store of stores.splice(0)) store.close();
});

function setup(): {
  store: Store;
  replyId: number;
  deps: (extra?: Partial<WebhookTriggerDeps>) => WebhookTriggerDeps;
} {
  const store = openStore(join(tempDir(), 'portal.db'));
  stores.push(store);
  const reply = createReply(
    store,
    {
      ticketId: 42,
      subject: 'Re: [#42] Printer on fire',
      sender: 'Support <support@example.com>',
      trackingId: 'q2T0yJ2Kx4hV9oN3cE1bWm8d',
      messageId: '<q2T0yJ2Kx4hV9oN3cE1bWm8d@portal.example.com>',
      recipients: [
        { email: 'john@example.org', displayName: 'John', role: 'to' },
        { email: 'jane@example.net', displayName: null, role: 'cc' },
      ],
    },
    new Date('2026-09-10T08:00:00Z'),
  );
  return {
    store,
    replyId: reply.id,
    deps: (extra = {}) => ({ store, settings: SETTINGS, now: () => NOW, random: seeded(1), ...extra }),
  };
}

const options = (
  o: Partial<WebhookTriggerOptions> & Pick<WebhookTriggerOptions, 'event' | 'target'>,
): WebhookTriggerOptions => ({ format: 'json', ...o });

async function listener(store: Store): Promise<WebhookServer> {
  const server = await startWebhookServer({
    store,
    secrets: [WEBHOOK_SECRET],
    port: 0,
    now: () => NOW,
    ...COMMIT_THREAD,
  });
  servers.push(server);
  return server;
}

function storedEvents(store: Store): Array<{
  event_type: string;
  reply_id: number | null;
  recipient: string | null;
  source: string;
  raw_body: string;
  content_type: string;
}> {
  return store
    .prepare(
      'SELECT event_type, reply_id, recipient, source, raw_body, content_type FROM email_tracking_events ORDER BY id',
    )
    .all() as never;
}

describe('webhook trigger, applied locally', () => {
  it('stores the event for the reply through the listener path (source trigger, body kept) and updates the reply', async () => {
    const { store, replyId, deps } = setup();
    const result = await runWebhookTrigger(
      options({ event: 'delivered', target: { kind: 'reply', replyId } }),
      deps(),
    );
    expect(result).toMatchObject({
      event: 'delivered',
      replyId,
      recipient: 'john@example.org',
      applied: { stored: true, duplicate: false, replyId },
      delivery: null,
    });
    expect(storedEvents(store)).toEqual([
      {
        event_type: 'delivered',
        reply_id: replyId,
        recipient: 'john@example.org',
        source: 'trigger',
        raw_body: result.body,
        content_type: 'application/json',
      },
    ]);
    expect(getReply(store, replyId)?.delivered_at).toBe('2026-09-10T09:00:00.000Z');
  });

  it('the same notification again is a duplicate and counts nothing twice', async () => {
    const { store, replyId, deps } = setup();
    const first = await runWebhookTrigger(
      options({ event: 'open', target: { kind: 'reply', replyId } }),
      deps({ random: seeded(5) }),
    );
    const again = await runWebhookTrigger(
      options({ event: 'open', target: { kind: 'reply', replyId } }),
      deps({ random: seeded(5) }),
    );
    expect(again.notificationId).toBe(first.notificationId);
    expect(again.applied).toMatchObject({ stored: false, duplicate: true, replyId });
    expect(getReply(store, replyId)?.open_count).toBe(1);
  });

  it('--recipient and --format form: the chosen recipient, a form body', async () => {
    const { store, replyId, deps } = setup();
    const result = await runWebhookTrigger(
      options({
        event: 'bounce',
        bounce: 'soft',
        recipient: 'Jane@Example.net',
        format: 'form',
        target: { kind: 'reply', replyId },
      }),
      deps(),
    );
    expect(result.recipient).toBe('jane@example.net');
    expect(result.contentType).toBe('application/x-www-form-urlencoded');
    const row = store.prepare('SELECT bounce_type, content_type FROM email_tracking_events').get();
    expect(row).toEqual({ bounce_type: 'soft', content_type: 'application/x-www-form-urlencoded' });
  });

  it('processed names every recipient of the reply', async () => {
    const { replyId, deps } = setup();
    const result = await runWebhookTrigger(
      options({ event: 'processed', target: { kind: 'reply', replyId } }),
      deps(),
    );
    expect(result.recipient).toBeNull();
    expect((JSON.parse(result.body) as { recipients: string[] }).recipients).toEqual([
      'john@example.org',
      'jane@example.net',
    ]);
  });

  it('--demo creates a labelled reply (nothing sent, transport pending) and links the event to it', async () => {
    const { store, replyId, deps } = setup();
    const result = await runWebhookTrigger(options({ event: 'processed', target: { kind: 'demo' } }), deps());
    expect(result.demoReplyCreated).toBe(true);
    expect(result.replyId).toBe(replyId + 1);
    // Nothing was sent, but the demo carries the email id its events name, so stats and --email-id agree with them.
    expect(getReply(store, replyId + 1)).toMatchObject({
      subject: DEMO_SUBJECT,
      transport: 'pending',
      recipients: '["customer@example.com"]',
      smtp2go_email_id: result.emailId,
    });
    expect(result.applied?.replyId).toBe(replyId + 1);
  });

  it('--email-id of a known reply links to it; an unknown one needs --recipient and stays unlinked', async () => {
    const { store, replyId, deps } = setup();
    store
      .prepare('UPDATE ticket_replies SET smtp2go_email_id = ? WHERE id = ?')
      .run('1u0SwL-B9zBpi9ffUq-JAB2', replyId);
    const known = await runWebhookTrigger(
      options({ event: 'delivered', target: { kind: 'email', emailId: '1u0SwL-B9zBpi9ffUq-JAB2' } }),
      deps(),
    );
    expect(known.applied?.replyId).toBe(replyId);
    const target = { kind: 'email', emailId: '1zzzzz-zzzzzzzzzzzz-zzzz' } as const;
    await expect(runWebhookTrigger(options({ event: 'delivered', target }), deps())).rejects.toThrow(
      UsageError,
    );
    const orphan = await runWebhookTrigger(
      options({ event: 'delivered', target, recipient: 'someone@example.com' }),
      deps({ random: seeded(9) }),
    );
    expect(orphan).toMatchObject({ replyId: null, applied: { stored: true, replyId: null } });
  });

  it('refuses what cannot be right: unknown reply (exit 1), misplaced flags (exit 2)', async () => {
    const { replyId, deps } = setup();
    const reply = { kind: 'reply', replyId } as const;
    await expect(
      runWebhookTrigger(options({ event: 'open', target: { kind: 'reply', replyId: 99 } }), deps()),
    ).rejects.toMatchObject({ constructor: NotFoundError, message: 'reply 99 not found', exitCode: 1 });
    await expect(
      runWebhookTrigger(options({ event: 'open', url: 'https://x.example', target: reply }), deps()),
    ).rejects.toThrow(/--url only applies to click/);
    await expect(
      runWebhookTrigger(options({ event: 'open', bounce: 'hard', target: reply }), deps()),
    ).rejects.toThrow(/--bounce only applies to bounce/);
    await expect(
      runWebhookTrigger(options({ event: 'open', sign: 'none', target: reply }), deps()),
    ).rejects.toThrow(/only apply with --listener/);
    await expect(
      runWebhookTrigger(options({ event: 'click', url: 'javascript:alert(1)', target: reply }), deps()),
    ).rejects.toThrow(UsageError);
    await expect(
      runWebhookTrigger(options({ event: 'open', recipient: 'not an address', target: reply }), deps()),
    ).rejects.toThrow(UsageError);
  });
});

describe('webhook trigger --listener: a real listener', () => {
  it.each(['hmac', 'bearer'] as const)(
    '%s: the listener verifies, stores and links the event',
    async (sign) => {
      const { store, replyId, deps } = setup();
      const server = await listener(store);
      const result = await runWebhookTrigger(
        options({
          event: 'click',
          url: 'https://example.com/kb/7',
          to: server.url,
          sign,
          target: { kind: 'reply', replyId },
        }),
        deps(),
      );
      expect(result.delivery).toMatchObject({ ok: true, status: 200, attempts: 1, duplicate: false, sign });
      expect(deliveryFailure(result)).toBeNull();
      expect(storedEvents(store)).toMatchObject([
        { event_type: 'click', reply_id: replyId, source: 'webhook', raw_body: result.body },
      ]);
      expect(getReply(store, replyId)?.click_count).toBe(1);
    },
  );

  it('a bare origin gets the listener path; form bodies are taken; a resend is reported as a duplicate', async () => {
    const { store, replyId, deps } = setup();
    const server = await listener(store);
    const origin = new URL(server.url).origin;
    const send = () =>
      runWebhookTrigger(
        options({ event: 'delivered', format: 'form', to: origin, target: { kind: 'reply', replyId } }),
        deps({ random: seeded(3) }),
      );
    const first = await send();
    expect(first.delivery).toMatchObject({
      ok: true,
      url: `${origin}/api/webhooks/smtp2go/events`,
      duplicate: false,
    });
    expect((await send()).delivery).toMatchObject({ ok: true, duplicate: true });
    expect(storedEvents(store)).toHaveLength(1);
  });

  it('a wrong secret is refused (401): returned, not thrown, with a hint about the credentials', async () => {
    const { store, replyId, deps } = setup();
    const server = await listener(store);
    const result = await runWebhookTrigger(
      options({
        event: 'open',
        to: server.url,
        secret: 'some-other-secret-that-is-long-enough',
        target: { kind: 'reply', replyId },
      }),
      deps(),
    );
    expect(result.delivery).toMatchObject({ ok: false, status: 401, attempts: 1 });
    expect(deliveryFailure(result)).toMatchObject({
      exitCode: 1,
      message: 'the listener did not take the event: HTTP 401',
      hint: expect.stringContaining('--secret'),
    });
    expect(storedEvents(store)).toEqual([]);
  });

  it('nothing listening: retried, then reported as connection refused', async () => {
    const { replyId, deps } = setup();
    const result = await runWebhookTrigger(
      options({
        event: 'open',
        to: (await closedPortUrl()).replace('/v3', ''),
        target: { kind: 'reply', replyId },
      }),
      deps({ delivery: { retry: { maxAttempts: 2 }, clock: { sleep: async () => undefined } } }),
    );
    expect(result.delivery).toMatchObject({
      ok: false,
      status: null,
      attempts: 2,
      error: 'connection refused (ECONNREFUSED)',
    });
    expect(deliveryFailure(result)?.message).toBe(
      'the listener did not take the event: connection refused (ECONNREFUSED) after 2 attempts',
    );
  });

  it('signing needs a secret: none configured is a configuration error (exit 2); --sign none needs none', async () => {
    const { store, replyId, deps } = setup();
    const server = await startWebhookServer({
      store,
      secrets: [],
      insecure: true,
      port: 0,
      now: () => NOW,
      ...COMMIT_THREAD,
    });
    servers.push(server);
    const noSecret = deps({ settings: DEFAULT_SETTINGS });
    const target = { kind: 'reply', replyId } as const;
    await expect(
      runWebhookTrigger(options({ event: 'open', to: server.url, target }), noSecret),
    ).rejects.toThrow(ConfigError);
    const result = await runWebhookTrigger(
      options({ event: 'open', to: server.url, sign: 'none', target }),
      noSecret,
    );
    expect(result.delivery).toMatchObject({ ok: true, status: 200 });
  });
});
