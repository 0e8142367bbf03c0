import { createHmac } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/webhook/sign.js';
import { PREVIOUS_WEBHOOK_SECRET, WEBHOOK_SECRET } from '../helpers/constants.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { count, fixture, NOW_SECONDS, useListeners } from './listener-harness.js';
import { rawRequest } from './raw-http.js';

const tempDir = useTempDir();
const listen = useListeners();
const body = fixture('open.docs.json');
const hmac = (secret: string, text = body) => createHmac('sha256', secret).update(text).digest();
const basic = (password: string) => `Basic ${Buffer.from(`smtp2go:${password}`).toString('base64')}`;

describe('webhook listener: authentication', () => {
  it.each([
    ['bearer', { authorization: `Bearer ${WEBHOOK_SECRET}` }],
    ['basic', { authorization: basic(WEBHOOK_SECRET) }],
    ['hmac', { 'x-smtp2go-signature': hmac(WEBHOOK_SECRET).toString('hex') }],
    ['hmac', { 'x-smtp2go-signature': `sha256=${hmac(WEBHOOK_SECRET).toString('hex')}` }],
    ['hmac', { 'x-smtp2go-signature': hmac(WEBHOOK_SECRET).toString('base64') }],
    ['hmac-timestamped', { 'x-smtp2go-signature': signWebhookBody(body, WEBHOOK_SECRET, NOW_SECONDS) }],
    ['bearer', { authorization: `Bearer ${PREVIOUS_WEBHOOK_SECRET}` }],
    [
      'hmac-timestamped',
      { 'x-smtp2go-signature': signWebhookBody(body, PREVIOUS_WEBHOOK_SECRET, NOW_SECONDS - 120) },
    ],
  ])('accepts %s %j', async (method, headers) => {
    const { store, post, records } = await listen(tempDir());
    const answer = await post(body, { auth: 'none', headers });
    expect(answer).toMatchObject({ status: 200, body: { stored: 1 } });
    expect(records[0]?.auth).toBe(method);
    expect(count(store)).toBe(1);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong bearer secret', { authorization: 'Bearer not-the-secret' }],
    ['a wrong basic password', { authorization: basic('nope') }],
    [
      'a tampered body',
      { 'x-smtp2go-signature': hmac(WEBHOOK_SECRET, body.replace('bob', 'eve')).toString('hex') },
    ],
    ['a stale t=', { 'x-smtp2go-signature': signWebhookBody(body, WEBHOOK_SECRET, NOW_SECONDS - 301) }],
    ['a future t=', { 'x-smtp2go-signature': signWebhookBody(body, WEBHOOK_SECRET, NOW_SECONDS + 301) }],
    ['a non-ASCII header', { authorization: `Bearer ${WEBHOOK_SECRET}\u00e9` }],
    ['a garbage signature', { 'x-smtp2go-signature': 'sha256=zz' }],
    // Node sends each element of an array as its own header line.
    [
      'two Authorization headers, one right',
      { authorization: [`Bearer ${WEBHOOK_SECRET}`, 'Bearer wrong'] } as unknown as OutgoingHttpHeaders,
    ],
  ] as Array<[string, OutgoingHttpHeaders]>)(
    'refuses %s with 401, stores nothing, logs a warning without secret or body',
    async (_name, headers) => {
      const { store, post, logs, records } = await listen(tempDir());
      const answer = await post(body, { auth: 'none', headers });
      expect(answer).toEqual(
        expect.objectContaining({ status: 401, body: { status: 'error', error: 'unauthorized' } }),
      );
      expect(count(store)).toBe(0);
      expect(records[0]).toMatchObject({ status: 401, events: [] });
      expect(logs).toHaveLength(1);
      expect(logs[0]?.level).toBe('warn');
      const logged = JSON.stringify([logs, records]);
      for (const secret of [
        WEBHOOK_SECRET,
        PREVIOUS_WEBHOOK_SECRET,
        'bob@example.org',
        '0b6c4c1d2e3f4a5b6c7d8e9f0a1b2c3d',
      ])
        expect(logged).not.toContain(secret);
    },
  );

  it('accepts anything with insecure, and still refuses malformed bodies', async () => {
    const { store, post, records } = await listen(tempDir(), { secrets: [], insecure: true });
    expect((await post(body, { auth: 'none' })).status).toBe(200);
    expect((await post('{', { auth: 'none' })).status).toBe(400);
    expect(records.map((record) => record.auth)).toEqual(['insecure', 'insecure']);
    expect(count(store)).toBe(1);
  });

  it.each([500, 1_000, 2_000])(
    'round two #5: a second Authorization header after %i filler headers is still seen, and the request refused',
    async (fillers) => {
      const { store, server, records } = await listen(tempDir());
      // Node's maxHeadersCount (2,000 by default) drops every header line past the limit from request.headers.
      const filler = Array.from({ length: fillers }, (_, i) => `X-F${i}: y`);
      const request = rawRequest(
        server.url,
        [
          'Connection: close',
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          `Authorization: Bearer ${WEBHOOK_SECRET}`,
          ...filler,
          'Authorization: Bearer somebody-else',
        ],
        body,
      );
      const answer = await request.answer;
      request.socket.destroy();
      expect(answer.status).toBe(401);
      expect(records[0]).toMatchObject({ status: 401, events: [] });
      expect(count(store)).toBe(0);
    },
  );

  it('will not start without a secret unless insecure', async () => {
    await expect(listen(tempDir(), { secrets: [''] })).rejects.toThrow(/secret/);
  });
});
