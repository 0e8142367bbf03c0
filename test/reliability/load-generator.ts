import { randomBytes } from 'node:crypto';
import { Pool } from 'undici';
import { signWebhookBody } from '../../src/webhook/sign.js';

/** One webhook body the generator sends, with the notification id that identifies it in the store. */
export interface GeneratedEvent {
  id: string;
  emailId: string;
  type: string;
  recipient: string | null;
  body: string;
}

/** A deterministic pseudo-random source (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const STORY = ['processed', 'delivered', 'open', 'click', 'open', 'bounce'] as const;

/**
 * `count` events spread over emails of two recipients each, in the order SMTP2Go would produce them:
 * processed, then per recipient delivered, opens, clicks, now and then a bounce. Every event has its own
 * 32-hex notification id (SMTP2Go repeats it on retries, so it is what the listener dedupes on).
 */
export function generateEvents(
  count: number,
  options: { seed?: number; runId?: string; base?: Date } = {},
): GeneratedEvent[] {
  const random = seededRandom(options.seed ?? 1);
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const base = (options.base ?? new Date('2026-09-10T08:00:00Z')).getTime();
  const events: GeneratedEvent[] = [];
  for (let email = 0; events.length < count; email++) {
    const emailId = `rel${runId}-${email.toString(36).padStart(6, '0')}-AB`;
    const recipients = [`r${email}a@example.com`, `r${email}b@example.org`];
    const perEmail = 4 + Math.floor(random() * 6);
    for (let k = 0; k < perEmail && events.length < count; k++) {
      const type = k === 0 ? 'processed' : STORY[1 + Math.floor(random() * (STORY.length - 1))]!;
      const recipient = type === 'processed' ? null : recipients[Math.floor(random() * recipients.length)]!;
      const id = randomBytes(16).toString('hex');
      const time = new Date(base + email * 60_000 + k * 1_000 + Math.floor(random() * 500))
        .toISOString()
        .replace('.000', '');
      const fields: Record<string, unknown> = {
        id,
        email_id: emailId,
        event: type,
        time,
        sender: 'help@example.com',
      };
      if (recipient === null) fields.recipients = recipients;
      else fields.rcpt = recipient;
      if (type === 'click') fields.url = `https://example.com/kb/${k}`;
      if (type === 'bounce')
        Object.assign(fields, {
          bounce: random() < 0.5 ? 'hard' : 'soft',
          context: 'RCPT TO: 550 no such user',
        });
      if (type === 'open') fields['user-agent'] = 'Mozilla/5.0';
      events.push({ id, emailId, type, recipient, body: JSON.stringify(fields) });
    }
  }
  return events;
}

export interface SendOutcome {
  /** Notification ids answered 2xx. */
  acked: Set<string>;
  /** Every status seen, with how often. */
  statuses: Map<number, number>;
  /** Requests that got no answer (connection refused or cut). */
  errors: number;
  /** Per listener URL (in the order given): its statuses and unanswered requests. */
  targets: Array<{ statuses: Map<number, number>; errors: number }>;
  elapsedMs: number;
}

export interface SendOptions {
  secret: string;
  concurrency?: number;
  /** Stop sending new requests once this returns true (the crash test kills the listener meanwhile). */
  stop?: () => boolean;
  onAnswer?: (event: GeneratedEvent, status: number | null, target: number) => void;
  nowSeconds?: () => number;
  /**
   * With several listener URLs: which one gets this delivery (an index into them), asked as it is sent,
   * so a balancer can route around a listener that died meanwhile. Default: the first.
   */
  route?: (event: GeneratedEvent, index: number) => number;
}

/**
 * Sends each event once over keep-alive undici Pools (one per listener URL), `concurrency` requests in
 * flight in all, each signed `t=…,v1=…`. Never retries: the caller decides what to resend from the outcome.
 */
export async function sendEvents(
  url: string | string[],
  events: GeneratedEvent[],
  options: SendOptions,
): Promise<SendOutcome> {
  const urls = typeof url === 'string' ? [url] : url;
  const concurrency = options.concurrency ?? 32;
  const targets = urls.map((each) => {
    const target = new URL(each);
    const pool = new Pool(target.origin, {
      connections: concurrency,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      connectTimeout: 2_000,
      headersTimeout: 20_000,
      bodyTimeout: 20_000,
    });
    return { path: target.pathname, pool, statuses: new Map<number, number>(), errors: 0 };
  });
  const outcome: SendOutcome = {
    acked: new Set(),
    statuses: new Map(),
    errors: 0,
    targets: targets.map(({ statuses }) => ({ statuses, errors: 0 })),
    elapsedMs: 0,
  };
  const nowSeconds = options.nowSeconds ?? (() => Date.now() / 1000);
  const route = options.route ?? (() => 0);
  const started = performance.now();
  let next = 0;
  async function lane(): Promise<void> {
    while (next < events.length && options.stop?.() !== true) {
      const index = next++;
      const event = events[index]!;
      const chosen = route(event, index);
      const target = targets[chosen]!;
      let status: number | null = null;
      try {
        const response = await target.pool.request({
          method: 'POST',
          path: target.path,
          headers: {
            'content-type': 'application/json',
            'x-smtp2go-signature': signWebhookBody(event.body, options.secret, nowSeconds()),
          },
          body: event.body,
        });
        await response.body.text();
        status = response.statusCode;
      } catch {
        outcome.errors += 1;
        outcome.targets[chosen]!.errors += 1;
      }
      if (status !== null) {
        outcome.statuses.set(status, (outcome.statuses.get(status) ?? 0) + 1);
        target.statuses.set(status, (target.statuses.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) outcome.acked.add(event.id);
      }
      options.onAnswer?.(event, status, chosen);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  outcome.elapsedMs = performance.now() - started;
  await Promise.all(targets.map(({ pool }) => pool.destroy()));
  return outcome;
}

export function statusSummary(statuses: Map<number, number>): string {
  return (
    [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(' ') || 'none'
  );
}
