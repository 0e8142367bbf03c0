import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open-store.js';
import { startWebhookServer, type WebhookServer } from '../../src/webhook/server.js';
import { hmacHex, signWebhookBody, timestampedMac } from '../../src/webhook/sign.js';
import { PREVIOUS_WEBHOOK_SECRET, WEBHOOK_SECRET } from '../helpers/constants.js';
import { rawRequest } from './raw-client.js';
import { report } from './store-probe.js';

let store: Store;
let server: WebhookServer;
let dir: string;

// One store for the whole file: useTempDir would delete its folder after the first test, under the open store.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smtp2go-rel-'));
  store = openStore(join(dir, 'portal.db'));
  server = await startWebhookServer({
    store,
    secrets: [WEBHOOK_SECRET, PREVIOUS_WEBHOOK_SECRET],
    port: 0,
    commitThread: false,
  });
});
afterAll(async () => {
  await server.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh, valid event body each time, so a 200 always means "stored" and never "duplicate". */
function body(spaced = false): string {
  n += 1;
  const event = {
    event: 'open',
    id: n.toString(16).padStart(32, 'a'),
    email_id: 'auth-1',
    rcpt: 'a@example.com',
    time: '2026-09-10T08:00:00Z',
    subject: 'Caf\u00e9 \u2713',
  };
  return spaced ? JSON.stringify(event, null, 2) : JSON.stringify(event);
}
const now = () => Math.floor(Date.now() / 1000);
const json = 'Content-Type: application/json';
const rows = () =>
  (store.prepare('SELECT COUNT(*) AS n FROM email_tracking_events').get() as { n: number }).n;

describe('authentication, hostile cases over raw HTTP: all 401 and nothing stored', () => {
  const b = body();
  const t = now();
  const cases: Array<[string, () => [string[], string]]> = [
    ['no credentials', () => [[json], body()]],
    ['Bearer with nothing after it', () => [[json, 'Authorization: Bearer'], body()]],
    ['Bearer, wrong secret', () => [[json, `Authorization: Bearer ${WEBHOOK_SECRET}x`], body()]],
    [
      'Bearer, secret plus trailing token',
      () => [[json, `Authorization: Bearer ${WEBHOOK_SECRET} extra`], body()],
    ],
    [
      'Bearer, secret prefix only',
      () => [[json, `Authorization: Bearer ${WEBHOOK_SECRET.slice(0, 8)}`], body()],
    ],
    ['unknown scheme', () => [[json, `Authorization: Token ${WEBHOOK_SECRET}`], body()]],
    ['Basic, not base64', () => [[json, 'Authorization: Basic !!!not-base64!!!'], body()]],
    [
      'Basic, wrong password',
      () => [[json, `Authorization: Basic ${Buffer.from('smtp2go:nope').toString('base64')}`], body()],
    ],
    [
      'Basic, secret as user, no password',
      () => [[json, `Authorization: Basic ${Buffer.from(`${WEBHOOK_SECRET}:`).toString('base64')}`], body()],
    ],
    [
      'non-ASCII Authorization (latin1 bytes)',
      () => [[json, `Authorization: Bearer ${WEBHOOK_SECRET}\u00e9`], body()],
    ],
    [
      'non-ASCII signature',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now())}\u00ff`], x];
      },
    ],
    [
      'oversized Authorization (8 KiB)',
      () => [[json, `Authorization: Bearer ${WEBHOOK_SECRET}${'a'.repeat(8192)}`], body()],
    ],
    [
      'oversized signature (8 KiB)',
      () => {
        const x = body();
        return [
          [
            json,
            `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now())}${',v1='.padEnd(8192, '0')}`,
          ],
          x,
        ];
      },
    ],
    [
      'two Authorization headers, the first valid',
      () => [
        [json, `Authorization: Bearer ${WEBHOOK_SECRET}`, 'Authorization: Bearer somebody-else'],
        body(),
      ],
    ],
    [
      'two identical valid Authorization headers',
      () => [
        [json, `Authorization: Bearer ${WEBHOOK_SECRET}`, `Authorization: Bearer ${WEBHOOK_SECRET}`],
        body(),
      ],
    ],
    [
      'two signature headers, one valid',
      () => {
        const x = body();
        return [
          [
            json,
            `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now())}`,
            'X-Smtp2go-Signature: sha256=00',
          ],
          x,
        ];
      },
    ],
    [
      't= far in the past (0)',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, 0)}`], x];
      },
    ],
    [
      't= 301 s in the past',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now() - 301)}`], x];
      },
    ],
    [
      't= 301 s in the future',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now() + 301)}`], x];
      },
    ],
    [
      't= far in the future (+10 years)',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now() + 315_360_000)}`], x];
      },
    ],
    [
      't= in milliseconds',
      () => {
        const x = body();
        const ms = String(Date.now());
        return [
          [json, `X-Smtp2go-Signature: t=${ms},v1=${timestampedMac(x, WEBHOOK_SECRET, ms).toString('hex')}`],
          x,
        ];
      },
    ],
    [
      't= negative',
      () => {
        const x = body();
        return [
          [json, `X-Smtp2go-Signature: t=-1,v1=${timestampedMac(x, WEBHOOK_SECRET, '-1').toString('hex')}`],
          x,
        ];
      },
    ],
    [
      't= with a fraction',
      () => {
        const x = body();
        const ts = `${now()}.5`;
        return [
          [json, `X-Smtp2go-Signature: t=${ts},v1=${timestampedMac(x, WEBHOOK_SECRET, ts).toString('hex')}`],
          x,
        ];
      },
    ],
    [
      'HMAC over the re-encoded (compacted) body',
      () => {
        const x = body(true);
        return [
          [
            json,
            `X-Smtp2go-Signature: ${signWebhookBody(JSON.stringify(JSON.parse(x)), WEBHOOK_SECRET, now())}`,
          ],
          x,
        ];
      },
    ],
    [
      'HMAC over the body re-encoded as latin1',
      () => {
        const x = body();
        return [
          [json, `X-Smtp2go-Signature: ${signWebhookBody(Buffer.from(x, 'latin1'), WEBHOOK_SECRET, now())}`],
          x,
        ];
      },
    ],
    [
      'plain HMAC of another body',
      () => [[json, `X-Smtp2go-Signature: ${hmacHex(b, WEBHOOK_SECRET)}`], body()],
    ],
    [
      'plain HMAC keyed with an unknown secret',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${hmacHex(x, 'not-a-configured-secret-at-all')}`], x];
      },
    ],
    [
      'v1 truncated',
      () => {
        const x = body();
        return [[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now()).slice(0, -2)}`], x];
      },
    ],
    ['sha256= with nothing after it', () => [[json, 'X-Smtp2go-Signature: sha256='], body()]],
    [
      't= twice',
      () => {
        const x = body();
        const sig = signWebhookBody(x, WEBHOOK_SECRET, t);
        return [[json, `X-Smtp2go-Signature: t=0,${sig}`], x];
      },
    ],
  ];

  it.each(cases)('%s → 401', async (_name, build) => {
    const [headers, payload] = build();
    const before = rows();
    expect(await rawRequest(server.url, headers, payload)).toBe(401);
    expect(rows()).toBe(before);
  });

  it('controls: the same requests done right are stored (current and previous secret, uppercase hex, sha256=)', async () => {
    const before = rows();
    const ok: Array<[string[], string]> = [];
    let x = body();
    ok.push([[json, `Authorization: Bearer ${WEBHOOK_SECRET}`], x]);
    x = body();
    ok.push([
      [json, `Authorization: Basic ${Buffer.from(`smtp2go:${PREVIOUS_WEBHOOK_SECRET}`).toString('base64')}`],
      x,
    ]);
    x = body();
    ok.push([[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now() - 299)}`], x]);
    x = body();
    ok.push([[json, `X-Smtp2go-Signature: ${hmacHex(x, PREVIOUS_WEBHOOK_SECRET).toUpperCase()}`], x]);
    x = body();
    ok.push([[json, `X-Smtp2go-Signature: sha256=${hmacHex(x, WEBHOOK_SECRET)}`], x]);
    x = body(true);
    ok.push([[json, `X-Smtp2go-Signature: ${signWebhookBody(x, WEBHOOK_SECRET, now())}`], x]);
    for (const [headers, payload] of ok) expect(await rawRequest(server.url, headers, payload)).toBe(200);
    expect(rows()).toBe(before + ok.length);
    report('auth-hostile', { hostileCases: cases.length, all401: true, controls200: ok.length });
  });

  it("a header block past node's 16 KiB limit is refused by node itself (431), never reaches the store", async () => {
    const before = rows();
    const status = await rawRequest(
      server.url,
      [json, `Authorization: Bearer ${WEBHOOK_SECRET}${'a'.repeat(20_000)}`],
      body(),
    );
    expect(status).toBe(431);
    expect(rows()).toBe(before);
  });
});
