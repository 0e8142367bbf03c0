import { describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../src/webhook/sign.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { WEBHOOK_SECRET } from '../helpers/constants.js';
import { count, NOW_SECONDS, useListeners } from './listener-harness.js';
import { rawRequest, type RawRequest } from './raw-http.js';

const tempDir = useTempDir();
const listen = useListeners();
const KiB = 1024;
const MiB = 1024 * KiB;
const basic = (password: string) => `Basic ${Buffer.from(`smtp2go:${password}`).toString('base64')}`;
const event = (i: number) =>
  JSON.stringify({
    event: 'delivered',
    id: i.toString(16).padStart(32, '0'),
    email_id: `budget-${i}`,
    rcpt: `u${i}@example.com`,
    time: '2026-09-10T08:00:00Z',
  });
const head = (length: number | 'chunked', ...more: string[]) => [
  'Content-Type: application/json',
  length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`,
  ...more,
];
const chunk = (bytes: number) => `${bytes.toString(16)}\r\n${' '.repeat(bytes)}\r\n`;

describe('webhook listener: bodies in memory', () => {
  const opened: RawRequest[] = [];
  const raw = (url: string, lines: string[], body: Buffer | string = '') => {
    const request = rawRequest(url, lines, body);
    opened.push(request);
    return request;
  };
  const closeAll = () => {
    for (const request of opened.splice(0)) request.socket.destroy();
  };

  it.each([
    ['no credentials', []],
    ['a wrong Bearer secret', ['Authorization: Bearer not-the-secret']],
    ['a wrong Basic password', [`Authorization: ${basic('nope')}`]],
    ['a malformed signature', ['X-Smtp2go-Signature: sha256=zz']],
    [
      'a wrong Bearer and a stale t=',
      [
        'Authorization: Bearer nope',
        `X-Smtp2go-Signature: ${signWebhookBody('{}', WEBHOOK_SECRET, NOW_SECONDS - 3_600)}`,
      ],
    ],
  ])(
    'round two #2: a request with %s is refused 401 on its headers, before its 1 MiB body is read',
    async (_name, credentials) => {
      const { store, server, records } = await listen(tempDir(), { timeouts: { bodyIdleMs: 5_000 } });
      try {
        // Not one body byte is sent: a listener that reads the body first would wait for it (408 after 5 s).
        const answer = await raw(server.url, head(MiB, ...credentials)).answer;
        expect(answer).toMatchObject({ status: 401, headers: { connection: 'close' } });
        expect(answer.ms).toBeLessThan(2_000);
        expect(records[0]).toMatchObject({ status: 401 });
        expect(count(store)).toBe(0);
      } finally {
        closeAll();
      }
    },
  );

  it('round two #2: a signature alone needs the body, so that request is read (and then refused)', async () => {
    const { server } = await listen(tempDir(), { timeouts: { bodyIdleMs: 5_000 } });
    try {
      const body = event(1);
      const request = raw(
        server.url,
        head(body.length, `X-Smtp2go-Signature: ${signWebhookBody(`${body} `, WEBHOOK_SECRET, NOW_SECONDS)}`),
      );
      const early = await Promise.race([
        request.answer,
        new Promise((resolve) => setTimeout(() => resolve('waiting'), 300)),
      ]);
      expect(early).toBe('waiting');
      request.write(body);
      expect((await request.answer).status).toBe(401);
    } finally {
      closeAll();
    }
  });

  it('round two #2: a client that writes a whole 1 MiB unauthenticated body before reading still gets the 401, not a reset', async () => {
    const { server } = await listen(tempDir());
    try {
      const answer = await raw(server.url, head(MiB), Buffer.alloc(MiB, 0x20)).answer;
      expect(answer.status).toBe(401);
    } finally {
      closeAll();
    }
  });

  it('round two #2: bodies held at once are capped: past the cap 503 with Retry-After, small events still pass, and the bytes come back when requests end', async () => {
    const { store, server, post, records } = await listen(tempDir(), {
      maxBufferedBytes: 256 * KiB,
      timeouts: { bodyIdleMs: 5_000 },
    });
    const bearer = `Authorization: Bearer ${WEBHOOK_SECRET}`;
    try {
      // Two authenticated senders declare 90 KiB each and stall after 1 KiB: 180 KiB held.
      const holders = [
        raw(server.url, head(90 * KiB, bearer), ' '.repeat(KiB)),
        raw(server.url, head(90 * KiB, bearer), ' '.repeat(KiB)),
      ];
      await new Promise((resolve) => setTimeout(resolve, 100));
      // A third large body would pass what large bodies may take (3/4 of the cap): refused before it is read.
      const third = await raw(server.url, head(90 * KiB, bearer)).answer;
      expect(third).toMatchObject({
        status: 503,
        headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
      });
      expect(JSON.parse(third.body)).toEqual({
        status: 'error',
        error: 'too many request bodies in memory, retry later',
      });
      // A chunked body is counted as it arrives, and refused when it outgrows what is left.
      const chunked = raw(server.url, head('chunked', bearer));
      for (let i = 0; i < 8; i++) chunked.write(chunk(16 * KiB));
      const chunkedAnswer = await chunked.answer;
      expect(chunkedAnswer).toMatchObject({
        status: 503,
        headers: { 'retry-after': expect.stringMatching(/^\d+$/) },
      });
      // The small events SMTP2Go sends still fit in the rest of the cap.
      expect((await post(event(2))).status).toBe(200);
      for (const holder of holders) holder.socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const big = JSON.stringify([
        JSON.parse(event(3)),
        { ...JSON.parse(event(4)), pad: 'x'.repeat(80 * KiB) },
      ]);
      expect((await post(big)).status).toBe(200);
      expect(count(store)).toBe(3);
      expect(records.filter((record) => record.status === 503).map((record) => record.error)).toEqual([
        'too many request bodies in memory, retry later',
        'too many request bodies in memory, retry later',
      ]);
    } finally {
      closeAll();
    }
  });
});
